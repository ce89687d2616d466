package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/** Authentication passes through untouched: the server decides, with whatever method pg_hba.conf names. */
class AuthenticationTest {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL);
        pg.role("auth_trust", "unused");
        pg.role("auth_clear", "clear_pw");
        pg.role("auth_scram", "scram_pw");
        pg.sql("SET password_encryption = 'md5'; DROP ROLE IF EXISTS auth_md5; CREATE ROLE auth_md5 LOGIN PASSWORD 'md5_pw'");
        pg.hba(String.join("\n",
                "host all auth_trust 127.0.0.1/32 trust",
                "host all auth_clear 127.0.0.1/32 password",
                "host all auth_md5 127.0.0.1/32 md5",
                "host all auth_scram 127.0.0.1/32 scram-sha-256",
                "host all all 127.0.0.1/32 scram-sha-256"));
    }

    @AfterAll
    static void stop() throws Exception {
        pg.resetHba();
        proxy.close();
    }

    static String whoAmI(String user, String password) throws Exception {
        try (Connection c = proxy.connect(user, password);
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void trust() throws Exception {
        assertEquals("auth_trust", whoAmI("auth_trust", "anything"));
    }

    @Test
    void cleartextPassword() throws Exception {
        assertEquals("auth_clear", whoAmI("auth_clear", "clear_pw"));
        assertEquals("28P01", assertThrows(PSQLException.class, () -> whoAmI("auth_clear", "nope")).getSQLState());
    }

    @Test
    void md5() throws Exception {
        assertEquals("auth_md5", whoAmI("auth_md5", "md5_pw"));
        assertEquals("28P01", assertThrows(PSQLException.class, () -> whoAmI("auth_md5", "nope")).getSQLState());
    }

    @Test
    void scramSha256() throws Exception {
        assertEquals("auth_scram", whoAmI("auth_scram", "scram_pw"));
        PSQLException e = assertThrows(PSQLException.class, () -> whoAmI("auth_scram", "nope"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("auth_scram"));
    }

    @Test
    void unknownUserGetsTheServersAnswer() {
        PSQLException e = assertThrows(PSQLException.class, () -> whoAmI("no_such_user_here", "x"));
        assertEquals("28P01", e.getSQLState());
    }
}
