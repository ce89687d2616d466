package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's answer to current_schemas(false): a name[] as PostgreSQL writes an array in text form. */
class SearchPathProbeTest {

    @Test
    void plainNamesStandBetweenCommas() {
        assertEquals(List.of("app", "public"), SearchPathProbe.arrayElements("{app,public}"));
    }

    @Test
    void namesWithSpecialCharactersAreQuotedAndEscaped() {
        assertEquals(List.of("my schema", "a,b", "say \"hi\"", "back\\slash", "{x}", "Upper"),
                SearchPathProbe.arrayElements("{\"my schema\",\"a,b\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"{x}\",Upper}"));
    }

    @Test
    void anEmptyPathIsAnEmptyArray() {
        assertEquals(List.of(), SearchPathProbe.arrayElements("{}"));
    }
}
