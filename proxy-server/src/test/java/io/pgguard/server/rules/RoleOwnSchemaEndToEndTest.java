package io.pgguard.server.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * "$user" on a search_path is the acting role's own schema, where the role has one it may use: after SET ROLE it is
 * the new role's. schema_switcher may read public.own_items and switch to schema_helper, which has a schema of its
 * own holding another own_items, and to schema_plain, which has none.
 */
class RoleOwnSchemaEndToEndTest {
    static final String RULES = """
            pgguard.rules {
              id = own-schema-rules
              users-without-rules = allow
              catalog-reads = allow
              users { schema_switcher = [reader] }
              roles {
                reader {
                  statements = [SELECT, SESSION, ROLE_CHANGE]
                  tables = [ { on = ["public.own_items"], privileges = [SELECT] } ]
                }
              }
              rules = [
                { id = switch, type = role-switch, allow-roles = ["schema_helper", "schema_plain"] }
                { id = paths, type = search-path, allow-schemas = ["*"] }
                { id = grants, type = grants, message = "not granted" }
              ]
            }
            """;

    static PostgresFixture pg;
    static GuardHarness guard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        for (String role : new String[] {"schema_switcher", "schema_helper", "schema_plain"}) {
            pg.role(role, "pw");
        }
        pg.sql("GRANT schema_helper, schema_plain TO schema_switcher;"
                + "DROP TABLE IF EXISTS public.own_items; CREATE TABLE public.own_items (id int);"
                + "INSERT INTO public.own_items VALUES (1), (2), (3);"
                + "GRANT SELECT ON public.own_items TO schema_switcher, schema_helper, schema_plain;"
                + "DROP SCHEMA IF EXISTS schema_helper CASCADE; CREATE SCHEMA schema_helper AUTHORIZATION schema_helper;"
                + "CREATE TABLE schema_helper.own_items (id int); INSERT INTO schema_helper.own_items VALUES (42);"
                + "ALTER TABLE schema_helper.own_items OWNER TO schema_helper");
        guard = GuardHarness.startWithText(pg, RULES, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        guard.close();
        pg.sql("DROP SCHEMA schema_helper CASCADE; DROP TABLE public.own_items");
    }

    /**
     * On the default path, {@code "$user", public}: after SET ROLE schema_helper unqualified names resolve in
     * schema_helper first, where the rules grant nothing; after SET ROLE schema_plain, in public as before.
     */
    @Test
    void onTheDefaultPathTheUserEntryIsTheNewRolesOwnSchema() throws Exception {
        try (Connection c = guard.connect("schema_switcher", "pw"); Statement s = c.createStatement()) {
            assertEquals(3, count(s), "public.own_items, as the login user");
            assertRefusedInHelpersSchema(s, "SET ROLE schema_helper");
            s.execute("SET ROLE schema_plain");
            assertEquals(3, count(s), "schema_plain has no schema of its own: public.own_items");
        }
    }

    /** The same on a path the client sets: a role without a schema of its own is no schema the rules must allow. */
    @Test
    void onAPathTheClientSetsTooAndARoleWithoutOneAddsNone() throws Exception {
        try (Connection c = guard.connect("schema_switcher", "pw"); Statement s = c.createStatement()) {
            s.execute("SET search_path = \"$user\", public");
            s.execute("SET ROLE schema_plain");
            assertEquals(3, count(s), "schema_plain has no schema of its own: public.own_items");
            assertRefusedInHelpersSchema(s, "SET ROLE schema_helper");
        }
    }

    private static void assertRefusedInHelpersSchema(Statement s, String setRole) throws SQLException {
        s.execute(setRole);
        PSQLException refused = assertThrows(PSQLException.class, () -> count(s), setRole);
        assertEquals("42501", refused.getSQLState(), refused.getMessage());
        assertTrue(refused.getServerErrorMessage().getDetail().contains("schema_helper.own_items"),
                refused.getMessage());
    }

    private static int count(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM own_items")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
