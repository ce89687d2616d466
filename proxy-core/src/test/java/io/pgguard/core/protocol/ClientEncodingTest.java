package io.pgguard.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientEncodingTest {

    private static final String REPLACEMENT = "\uFFFD";

    // ---- the bytes of the attack ----

    @Test
    void sjisBackslashAfterALeadByteIsInsideTheCharacterNotAnEscape() {
        byte[] sql = bytes("E'", 0x95, 0x5C, "'; DELETE FROM t; --'");

        assertEquals("E'表'; DELETE FROM t; --'", decode("SJIS", sql));
    }

    /**
     * The server's SHIFT_JIS_2004 table makes 0x815F a plain backslash (and 0x81B0 a tilde), where Java's makes
     * full-width ones: PgGuard reads what the server lexes, so E'<0x81 0x5F>' is a backslash and the quote after
     * it is escaped, as the server reads it (SJIS, whose table has U+FF3C there, keeps the full-width one).
     */
    @Test
    void shiftJis2004CharactersTheServerMapsToAsciiAreThatAscii() {
        assertEquals("E'\\\\'", decode("SHIFT_JIS_2004", bytes("E'", 0x81, 0x5F, "\\'")));
        assertEquals("~", decode("SHIFT_JIS_2004", bytes(0x81, 0xB0)));
        assertEquals("\uFF3C", decode("SJIS", bytes(0x81, 0x5F)));
    }

    /** Into an EUC_JIS_2004 database the server converts SHIFT_JIS_2004 by arithmetic: 0x815F stays full-width. */
    @Test
    void shiftJis2004IntoAnEucJis2004DatabaseKeepsItsTwoByteCharacters() {
        ClientEncoding intoEuc = ClientEncoding.forName("SHIFT_JIS_2004").convertedTo("EUC_JIS_2004");
        ByteBuf buf = Unpooled.wrappedBuffer(bytes(0x81, 0x5F));
        try {
            assertEquals("\uFF3C", intoEuc.decode(buf, 0, 2));
        } finally {
            buf.release();
        }
        assertSame(ClientEncoding.forName("SHIFT_JIS_2004"), ClientEncoding.forName("SHIFT_JIS_2004").convertedTo("UTF8"));
        assertSame(ClientEncoding.forName("SJIS"), ClientEncoding.forName("SJIS").convertedTo("EUC_JP"));
    }

    @Test
    void unicodeIsThePostgresSpellingOfUtf8ThatOldDriversSet() {
        assertTrue(ClientEncoding.forName("UNICODE").isUtf8());
        assertTrue(ClientEncoding.forName("unicode").readsNonAscii());
    }

    @ParameterizedTest(name = "{0}: {1} is one character and the quote after it stays a quote")
    @CsvSource(quoteCharacter = '"', value = {
        "SJIS,           95 5C,       表",
        "SHIFT_JIS_2004, 95 5C,       表",
        "BIG5,           A5 5C,       功",
        "GBK,            81 40,       丂",
        "UHC,            81 41,       갂",
        "JOHAB,          88 61,       가",
        "GB18030,        81 40,       丂",
        "GB18030,        81 30 81 30, \u0080",
    })
    void aCharacterWhoseLaterByteIsAsciiIsOneCharacter(String encoding, String hex, String character) {
        byte[] sql = concat(hex(hex), bytes("'"));

        assertEquals(character + "'", decode(encoding, sql));
    }

    @ParameterizedTest(name = "{0}: an ASCII quote after a lead byte belongs to the character")
    @ValueSource(strings = {"SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB"})
    void aQuoteAfterALeadByteIsSwallowedLikeTheServerSwallowsIt(String encoding) {
        // 0x81 0x27 is no character in any of them, but the server's walk still takes the quote into it.
        byte[] sql = bytes("'", 0x81, "'x'");

        assertEquals("'" + REPLACEMENT + "x'", decode(encoding, sql));
    }

    // ---- pg_*_mblen boundaries ----

    @Test
    void sjisHalfWidthKatakanaIsOneByte() {
        assertEquals("ｱｱ'", decode("SJIS", bytes(0xB1, 0xB1, "'")));
    }

    @Test
    void eucJpSs2TakesTwoBytesAndSs3TakesThree() {
        assertEquals("ｱ'", decode("EUC_JP", bytes(0x8E, 0xB1, "'")));
        assertEquals("丂'", decode("EUC_JP", bytes(0x8F, 0xB0, 0xA1, "'")));
    }

    @Test
    void eucTwSs2TakesFourBytes() {
        assertEquals("乂'", decode("EUC_TW", bytes(0x8E, 0xA2, 0xA1, 0xA1, "'")));
    }

    @Test
    void gb18030IsTwoBytesUnlessTheSecondIsADigitThenFour() {
        assertEquals("表'", decode("GB18030", bytes(0xB1, 0xED, "'")));
        assertEquals("\u0080'", decode("GB18030", bytes(0x81, 0x30, 0x81, 0x30, "'")));
    }

    @Test
    void johabFollowsPgEucMblenSo0x8FTakesThreeBytes() {
        // JOHAB itself reads 0x8F 0x61 as one Hangul syllable; PostgreSQL's pg_johab_mblen says three bytes.
        assertEquals(REPLACEMENT + "'", decode("JOHAB", bytes(0x8F, 0x61, "''")));
    }

    @Test
    void muleInternalKeepsPgMuleMblenBoundariesWithoutCharacters() {
        // 0x81 leads two bytes (IS_LC1), 0x92 three (IS_LC2), 0x9C four (IS_LCPRV2).
        byte[] sql = bytes(0x81, "'", 0x92, "''", 0x9C, "'''", "'");

        assertEquals(REPLACEMENT + REPLACEMENT + REPLACEMENT + "'", decode("MULE_INTERNAL", sql));
    }

    // ---- bad and cut-short characters ----

    @Test
    void aLeadByteAtTheVeryEndGivesOneReplacementAndNothingElse() {
        assertEquals("a" + REPLACEMENT, decode("SJIS", bytes("a", 0x95)));
        assertEquals(REPLACEMENT, decode("BIG5", bytes(0xA5)));
        assertEquals(REPLACEMENT, decode("GB18030", bytes(0x81)));
    }

    @Test
    void aCharacterCutShortByTheEndGivesOneReplacement() {
        assertEquals("a" + REPLACEMENT, decode("GB18030", bytes("a", 0x81, 0x30, 0x81)));
        assertEquals(REPLACEMENT, decode("EUC_TW", bytes(0x8E, 0xA2, 0xA1)));
        assertEquals(REPLACEMENT, decode("EUC_JP", bytes(0x8F, 0xB0)));
    }

    @Test
    void anUnmappableTwoByteCharacterGivesOneReplacementAndTheAsciiAfterItSurvives() {
        // 0x85 0x40 is an unassigned row of windows-31j.
        assertEquals(REPLACEMENT + "'x", decode("SJIS", bytes(0x85, 0x40, "'x")));
    }

    // ---- single-byte encodings ----

    @Test
    void latin1E9IsEAcute() {
        assertEquals("café'", decode("LATIN1", bytes("caf", 0xE9, "'")));
    }

    @Test
    void win1252X80IsTheEuroSign() {
        assertEquals("€", decode("WIN1252", bytes(0x80)));
    }

    @Test
    void koi8rDecodesCyrillic() {
        assertEquals("При", decode("KOI8R", bytes(0xF0, 0xD2, 0xC9)));
    }

    @Test
    void anEncodingWithoutAJavaCharsetGivesOneReplacementPerHighByte() {
        ClientEncoding latin6 = ClientEncoding.forName("LATIN6");

        assertEquals(Charset.isSupported("ISO-8859-10"), latin6.readsNonAscii());
        if (!latin6.readsNonAscii()) {
            assertEquals("a" + REPLACEMENT + REPLACEMENT + "'", decode("LATIN6", bytes("a", 0xE9, 0xEA, "'")));
        }
    }

    // ---- UTF-8 ----

    @ParameterizedTest(name = "bytes [{0}]")
    @ValueSource(strings = {
        "68 C3 A9 6C 6C 6F E8 A1 A8 F0 9F 98 80",
        "C3 28 FF 27 ED A0 80 27 E8 A1",
        "",
    })
    void utf8DecodeIsWhatByteBufToStringGives(String hex) {
        byte[] bytes = hex(hex);

        for (String name : new String[] {"UTF8", "SQL_ASCII"}) {
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            try {
                assertEquals(buf.toString(StandardCharsets.UTF_8),
                        ClientEncoding.forName(name).decode(buf, 0, bytes.length));
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void decodeReadsOnlyTheGivenBytesAndLeavesTheReaderIndex() {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes("xx", 0x95, 0x5C, "'yy"));
        try {
            assertEquals("表'", ClientEncoding.forName("SJIS").decode(buf, 2, 3));
            assertEquals(0, buf.readerIndex());
        } finally {
            buf.release();
        }
    }

    // ---- encode ----

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(quoteCharacter = '"', value = {
        "SJIS,      E'表'ｱ",
        "GB18030,   表\u0080",
        "LATIN1,    café",
        "UTF8,      表😀é",
        "SQL_ASCII, 表😀é",
    })
    void encodeRoundTrips(String name, String text) {
        ClientEncoding encoding = ClientEncoding.forName(name);
        byte[] encoded = encoding.encode(text);

        assertNotNull(encoded);
        ByteBuf buf = Unpooled.wrappedBuffer(encoded);
        try {
            assertEquals(text, encoding.decode(buf, 0, encoded.length));
        } finally {
            buf.release();
        }
    }

    @Test
    void encodeGivesThePostgresBytes() {
        assertArrayEquals(bytes("E'", 0x95, 0x5C, "'"), ClientEncoding.forName("SJIS").encode("E'表'"));
        assertArrayEquals(bytes(0xE9), ClientEncoding.forName("LATIN1").encode("é"));
    }

    @Test
    void encodeGivesNullForACharacterTheEncodingLacks() {
        assertNull(ClientEncoding.forName("LATIN1").encode("€"));
        assertNull(ClientEncoding.forName("LATIN1").encode("表"));
        assertNull(ClientEncoding.forName("SJIS").encode("갂"));
        assertNull(ClientEncoding.UTF8.encode("\uD800"));
    }

    @Test
    void encodeGivesNullWhereTheServerWouldSplitJavasBytesOtherwise() {
        // x-Johab encodes 뀨 as 0x8F 0x41, which pg_johab_mblen reads as the start of a three-byte character.
        assertNull(ClientEncoding.forName("JOHAB").encode("뀨"));
        assertNotNull(ClientEncoding.forName("JOHAB").encode("가"));
    }

    @Test
    void anEncodingThatCannotReadNonAsciiEncodesOnlyAscii() {
        ClientEncoding mule = ClientEncoding.forName("MULE_INTERNAL");

        assertArrayEquals(bytes("SELECT 1"), mule.encode("SELECT 1"));
        assertNull(mule.encode("é"));
    }

    // ---- forName ----

    @Test
    void forNameIsCaseInsensitiveAndSpellsThePostgresName() {
        ClientEncoding sjis = ClientEncoding.forName("sjis");

        assertSame(ClientEncoding.forName("SJIS"), sjis);
        assertEquals("SJIS", sjis.name());
        assertEquals("SJIS", sjis.toString());
        assertSame(ClientEncoding.UTF8, ClientEncoding.forName("utf8"));
        assertEquals("EUC_JIS_2004", ClientEncoding.forName("euc_jis_2004").name());
    }

    @Test
    void nullIsUtf8AsInASessionWithoutParameterStatus() {
        assertSame(ClientEncoding.UTF8, ClientEncoding.forName(null));
        assertTrue(ClientEncoding.UTF8.isUtf8());
        assertTrue(ClientEncoding.UTF8.readsNonAscii());
    }

    @Test
    void sqlAsciiIsReadAsUtf8ButIsNotCheckedUtf8() {
        assertFalse(ClientEncoding.forName("SQL_ASCII").isUtf8());
        assertTrue(ClientEncoding.forName("SQL_ASCII").readsNonAscii());
        assertFalse(ClientEncoding.forName("SJIS").isUtf8());
        assertFalse(ClientEncoding.forName("LATIN1").isUtf8());
    }

    @Test
    void anUnknownNameCannotReadNonAsciiAndKeepsOneCharacterPerByte() {
        ClientEncoding unknown = ClientEncoding.forName("klingon");

        assertFalse(unknown.readsNonAscii());
        assertEquals("KLINGON", unknown.name());
        assertEquals("a" + REPLACEMENT + "'", decode("klingon", bytes("a", 0xE9, "'")));
        assertFalse(ClientEncoding.forName("").readsNonAscii());
    }

    @Test
    void muleInternalCannotReadNonAscii() {
        assertFalse(ClientEncoding.forName("MULE_INTERNAL").readsNonAscii());
    }

    /** A misspelt Java charset name would quietly turn an encoding's characters off. */
    @ParameterizedTest
    @ValueSource(strings = {"SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "EUC_JP",
        "EUC_JIS_2004", "EUC_CN", "EUC_KR", "EUC_TW", "LATIN1", "WIN1252", "KOI8R", "KOI8U", "WIN866"})
    void theEncodingsThisJvmHasReadNonAscii(String name) {
        assertTrue(ClientEncoding.forName(name).readsNonAscii());
    }

    // ---- hasNonAscii ----

    @Test
    void hasNonAsciiLooksOnlyAtTheGivenBytes() {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes("ab", 0x95, "cd"));
        try {
            assertTrue(ClientEncoding.hasNonAscii(buf, 0, 5));
            assertTrue(ClientEncoding.hasNonAscii(buf, 2, 1));
            assertFalse(ClientEncoding.hasNonAscii(buf, 0, 2));
            assertFalse(ClientEncoding.hasNonAscii(buf, 3, 2));
            assertFalse(ClientEncoding.hasNonAscii(buf, 0, 0));
        } finally {
            buf.release();
        }
    }

    // ---- helpers ----

    private static String decode(String encoding, byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return ClientEncoding.forName(encoding).decode(buf, 0, bytes.length);
        } finally {
            buf.release();
        }
    }

    /** Bytes from a mix of ASCII strings and single byte values. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    private static byte[] hex(String hex) {
        String[] pairs = hex.isBlank() ? new String[0] : hex.trim().split("\\s+");
        byte[] bytes = new byte[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            bytes[i] = (byte) Integer.parseInt(pairs[i], 16);
        }
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
