package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.rules.BindCondition;
import io.pgguard.rules.Decision;
import io.pgguard.rules.ParameterCondition.Outcome;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TestFiles;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A write whose WHERE names no column but holds the client's parameters (knex sends {@code 1 = $1} bound to 0 for
 * an empty whereIn) keeps every row or none, as the values decide: a Parse of it is forwarded with a condition each
 * Bind is checked against, and the Bind passes only when the WHERE cannot be true. A Query cannot carry values, so
 * there it stays refused.
 */
class ParameterConditionTest {
    private static final PolicyEngine ENGINE = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 100);

    private static Decision decide(String sql, StatementSource source) {
        return ENGINE.decide(sql, new StatementContext("app_rw", "app", "production", null, true, source));
    }

    /** Values: $1, $2... separated by '/', NULL for SQL NULL, BIN for a binary value PgGuard cannot read. */
    @ParameterizedTest(name = "{0} with {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "DELETE FROM t WHERE 1 = $1                   | 0        | KEEPS_NO_ROW",
        "DELETE FROM t WHERE 1 = $1                   | 1        | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE 1 = $1                   | ' 01 '   | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE 1 = $1                   | -0       | KEEPS_NO_ROW",
        "DELETE FROM t WHERE 1 = $1                   | NULL     | KEEPS_NO_ROW",
        "DELETE FROM t WHERE 1 = $1                   | 1.0      | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | 1e0      | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | 0x1      | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | 1_000    | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | 1000000000000000 | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | BIN      | UNKNOWN",
        "DELETE FROM t WHERE 1 = $1                   | ''       | UNKNOWN",
        "DELETE FROM t WHERE $1 = 1 AND $2 IS NULL    | 1/NULL   | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE $1 = 1 AND $2 IS NULL    | 1/2      | KEEPS_NO_ROW",
        "DELETE FROM t WHERE $1 = 1 AND $2 IS NULL    | 0/BIN    | KEEPS_NO_ROW",
        "UPDATE t SET v = 'x' WHERE 1 = $1 OR $2 > 3  | 0/NULL   | KEEPS_NO_ROW",
        "UPDATE t SET v = 'x' WHERE 1 = $1 OR $2 > 3  | 0/4      | KEEPS_EVERY_ROW",
        "UPDATE t SET v = 'x' WHERE 1 = $1 OR $2 > 3  | NULL/4   | KEEPS_EVERY_ROW",
        "UPDATE t SET v = 'x' WHERE NOT (1 = $1)      | 0        | KEEPS_EVERY_ROW",
        "UPDATE t SET v = 'x' WHERE NOT (1 = $1)      | NULL     | KEEPS_NO_ROW",
        "DELETE FROM t WHERE $1 < $2 AND 1 = $3       | 10/9/0   | KEEPS_NO_ROW",
        "DELETE FROM t WHERE $1 < $2                  | 10/9     | UNKNOWN",
        "DELETE FROM t WHERE 1 = 1 AND 1 = $1         | 0        | KEEPS_NO_ROW",
        "DELETE FROM t WHERE 1 = $1 OR $2 = 1         | 1/BIN    | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE 1 = $1 OR $2 = 1         | 0/BIN    | UNKNOWN",
        "DELETE FROM t WHERE 1 = $2                   | 0        | UNKNOWN",
        "DELETE FROM t WHERE 1 <> $1                  | 1        | KEEPS_NO_ROW",
        "DELETE FROM t WHERE $1 != 1                  | 2        | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE 5 <= $1 AND $1 < 10      | 7        | KEEPS_EVERY_ROW",
        "DELETE FROM t WHERE $1 >= -3 AND 0 > $1      | -4       | KEEPS_NO_ROW",
    })
    void eachBindsValuesDecide(String sql, String values, Outcome expected) {
        Decision parse = decide(sql.strip(), StatementSource.PARSE);
        assertEquals(Decision.Action.FORWARD, parse.action(), parse.explanation());
        assertEquals(1, parse.bindConditions().size(), parse.explanation());
        List<String> texts = Arrays.stream(values.strip().split("/"))
                .map(v -> v.equals("NULL") || v.equals("BIN") ? null : v).toList();
        List<String> raw = Arrays.asList(values.strip().split("/"));
        BindCondition condition = parse.bindConditions().get(0);
        assertEquals(expected, condition.condition().evaluate(texts, i -> raw.get(i).equals("BIN")));
        assertTrue(condition.rejection().message().contains("no-unrestricted-"), condition.rejection().message());
        Decision query = decide(sql.strip(), StatementSource.SIMPLE_QUERY);
        assertEquals(Decision.Action.REJECT, query.action(), "no values come with a Query: " + query.explanation());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "DELETE FROM t WHERE $1",
        "DELETE FROM t WHERE now() > $1",
        "DELETE FROM t WHERE 1.5 = $1",
        "DELETE FROM t WHERE 'a' = $1",
        "DELETE FROM t WHERE 1 = $1::int",
        "DELETE FROM t WHERE 1 = $1 OR true",
        "DELETE FROM t WHERE 1 = $1 OR 1 = 1",
        "DELETE FROM t WHERE 1 = $100001",
        // a parameter typed by another use before the WHERE: float4 rounds 16777217 to 16777216
        "DELETE FROM t USING (SELECT $1::float4) s WHERE 16777216 = $1",
        "WITH c AS (SELECT $1::float4 AS x) DELETE FROM t WHERE 16777216 = $1",
        "DELETE FROM t WHERE 1 OPERATOR(public.=) $1",
        // another write of the statement that restricts nothing is refused whatever the values
        "WITH d AS (DELETE FROM u RETURNING 1) DELETE FROM t WHERE 1 = $1",
        "WITH d AS (DELETE FROM t WHERE 1 = $1 RETURNING 1) DELETE FROM u",
    })
    void otherWheresWithoutAColumnStayRefused(String sql) {
        Decision parse = decide(sql, StatementSource.PARSE);
        assertEquals(Decision.Action.REJECT, parse.action(), parse.explanation());
        assertEquals("no-unrestricted-delete", parse.rejection().ruleId());
    }

    /** Every write whose parameters decide brings its own condition; a Bind must pass them all. */
    @org.junit.jupiter.api.Test
    void eachWriteOfTheStatementIsCheckedAtBind() {
        Decision parse = decide("WITH d AS (DELETE FROM t WHERE 1 = $1 RETURNING 1) DELETE FROM u WHERE 2 = $2",
                StatementSource.PARSE);
        assertEquals(Decision.Action.FORWARD, parse.action(), parse.explanation());
        assertEquals(2, parse.bindConditions().size(), parse.explanation());
        List<Outcome> outcomes = parse.bindConditions().stream()
                .map(c -> c.condition().evaluate(List.of("1", "0"), i -> false)).toList();
        assertTrue(outcomes.contains(Outcome.KEEPS_EVERY_ROW), outcomes::toString);
        assertEquals(Decision.Action.REJECT, decide("UPDATE t SET v = $1 WHERE 1 = $1", StatementSource.PARSE).action(),
                "$1 is typed by the column it sets first");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "DELETE FROM t WHERE id = $1",
        "DELETE FROM t WHERE 1 = 0",
        "SELECT * FROM t WHERE 1 = $1",
    })
    void restrictingOrReadingStatementsNeedNoCheck(String sql) {
        Decision parse = decide(sql, StatementSource.PARSE);
        assertEquals(Decision.Action.FORWARD, parse.action(), parse.explanation());
        assertEquals(List.of(), parse.bindConditions());
    }
}
