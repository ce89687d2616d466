package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** search_path's text, read as PostgreSQL splits an identifier list. */
class SearchPathTextTest {

    @Test
    void bareNamesAreFoldedToLowerCaseAndTrimmed() {
        assertEquals(List.of("app", "public"), SearchPathText.parse(" App ,PUBLIC"));
    }

    @Test
    void quotedNamesKeepCaseCommasAndDoubledQuotes() {
        assertEquals(List.of("My,Schema", "say \"hi\"", "$user"),
                SearchPathText.parse("\"My,Schema\", \"say \"\"hi\"\"\", \"$user\""));
    }

    @Test
    void onlyAsciiLettersAreFolded() {
        assertEquals(List.of("schéma_É"), SearchPathText.parse("SCHéMA_É"));
    }

    @Test
    void anEmptySettingHoldsNoSchema() {
        assertEquals(List.of(), SearchPathText.parse(""));
    }
}
