package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The startup packet's "options" as the server reads them: words split at whitespace (backslash escapes), then
 * getopt over PostgreSQL's switches. Each spelling was tried on PostgreSQL 15 with PGOPTIONS and psql.
 */
class StartupOptionsTest {

    private static Map<String, String> settingsOf(String options) {
        return StartupOptions.settings(Map.of("user", "u", "database", "d", "options", options));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-c role=x", "-crole=x", "--role=x", "-ecrole=x", "-Ec role=x", "-E -crole=x",
            "-fs -c role=x", "-e -E -F -c role=x", "-c search_path=a -c role=x", "-c ROLE=x"})
    void aRoleSetThroughTheServersSwitchesIsSeen(String options) {
        assertEquals("x", settingsOf(options).get("role"), options);
    }

    /** A switch that takes an argument takes the next word when its own is used up, whatever that word says. */
    @ParameterizedTest
    @ValueSource(strings = {"-d -crole=x", "-B -crole=x", "-ecd role=x", "-S -c role=x"})
    void aWordTakenAsAnotherSwitchsArgumentSetsNothing(String options) {
        assertNull(settingsOf(options).get("role"), options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-c search_path=a\\ b", "--search-path=a\\ b", "-Ecsearch_path=a\\ b"})
    void backslashEscapesASpaceAndDashesInANameAreUnderscores(String options) {
        assertEquals("a b", settingsOf(options).get("search_path"), options);
    }

    /** Only C's whitespace splits words: an ASCII unit separator does not. */
    @ParameterizedTest
    @ValueSource(strings = {"-c role=x\u001Fy"})
    void onlyCWhitespaceSeparatesWords(String options) {
        assertEquals("x\u001Fy", settingsOf(options).get("role"));
    }
}
