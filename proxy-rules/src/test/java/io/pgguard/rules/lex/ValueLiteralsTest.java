package io.pgguard.rules.lex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueLiteralsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
            "SELECT t0_.c1 AS col_12_0_ FROM t2 t0_ WHERE t0_.id = $12",
            "SELECT $$dollar quoted$$"})
    void parameterOnlyTextsAreNotLexed(String sql) {
        assertFalse(ValueLiterals.mayHaveLiterals(sql), sql);
        assertNull(ValueLiterals.parameterize(sql, true), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE x = .5",
            "SELECT * FROM t WHERE id=-7", "SELECT * FROM t WHERE v = 'a'", "SELECT * FROM t WHERE v = E'a'",
            "UPDATE t SET v = v+1 WHERE id = $1"})
    void textsWithALiteralAreLexed(String sql) {
        assertTrue(ValueLiterals.mayHaveLiterals(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT * FROM t WHERE id = 1", "UPDATE t SET v = v+1 WHERE id = $1"})
    void literalsBecomeFreshParameters(String sql) {
        String shape = ValueLiterals.parameterize(sql, true);
        assertEquals(sql.replace("= 1", "= $100001").replace("v+1", "v+$100001"), shape);
    }
}
