package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A session's client_encoding, read the way the server reads it.
 *
 * <p>PostgreSQL converts SQL text from the client encoding to the server encoding before it lexes it, splitting
 * the bytes into characters with the encoding's own character-length function (src/common/wchar.c). In SJIS,
 * BIG5, GBK, UHC, GB18030, JOHAB and SHIFT_JIS_2004 the second byte of a character may be an ASCII byte such as
 * {@code \} or {@code '}; PgGuard must put the character boundaries exactly where the server does, or a statement
 * could look different to PgGuard than to the server. Java charsets alone do not do that (they resynchronise on
 * invalid input), so multibyte text is first walked with PostgreSQL's rules and only then decoded, one character
 * at a time.
 *
 * <p>Instances are immutable and shared between threads.
 */
public final class ClientEncoding {

    /** How the bytes are split into characters. */
    private enum Kind {
        /** The hot path: exactly {@code ByteBuf.toString(UTF_8)}. */
        UTF8,
        /** One byte, one character. */
        SINGLE_BYTE,
        /** Walked with a PostgreSQL mblen function, then decoded character by character. */
        MULTIBYTE
    }

    /**
     * A PostgreSQL mblen function: the byte length of the character whose first byte, at {@code index}, is
     * {@code >= 0x80}. It may say more bytes than remain before {@code end}; the caller handles that.
     */
    @FunctionalInterface
    private interface CharLength {
        int of(ByteBuf buf, int index, int end);
    }

    /** EUC single shifts (pg_wchar.h SS2, SS3). */
    private static final int SS2 = 0x8E;
    private static final int SS3 = 0x8F;
    private static final char REPLACEMENT = '\uFFFD';
    /** A multibyte character decodes to at most a few chars (a surrogate pair, or a base plus a combining mark). */
    private static final int MAX_CHARS_PER_CHARACTER = 8;
    /** The longest character of any PostgreSQL encoding (MAX_MULTIBYTE_CHAR_LEN). */
    private static final int MAX_BYTES_PER_CHARACTER = 4;
    /** Keeps going while bytes are ASCII; a signed byte below zero is {@code >= 0x80}. */
    private static final ByteProcessor WHILE_ASCII = value -> value >= 0;

    public static final ClientEncoding UTF8 = new ClientEncoding("UTF8", Kind.UTF8, StandardCharsets.UTF_8, null);

    /** Every encoding PostgreSQL names, by that name; built once, so forName never caches what clients send. */
    private static final Map<String, ClientEncoding> KNOWN = knownEncodings();

    private final String name;
    private final Kind kind;
    /** Null when PgGuard cannot map bytes >= 0x80 to characters (unknown name, MULE_INTERNAL, charset missing). */
    private final Charset charset;
    /** Null unless kind is MULTIBYTE. */
    private final CharLength charLength;
    /**
     * Two-byte characters the server's conversion table into UTF8 maps to an ASCII character where Java's does not
     * (the first byte in the high eight bits): the server lexes that ASCII character, so PgGuard must too (see
     * {@link #convertedTo} for other server encodings).
     */
    private final Map<Integer, Character> asciiInTheServersTable;
    /** See {@link #isUtf8()}; a field, as the relay asks it of every message. */
    private final boolean checkedUtf8;

    private ClientEncoding(String name, Kind kind, Charset charset, CharLength charLength) {
        this(name, kind, charset, charLength, Map.of());
    }

    private ClientEncoding(String name, Kind kind, Charset charset, CharLength charLength,
                           Map<Integer, Character> asciiInTheServersTable) {
        this.name = name;
        this.kind = kind;
        this.charset = charset;
        this.charLength = charLength;
        this.asciiInTheServersTable = asciiInTheServersTable;
        this.checkedUtf8 = kind == Kind.UTF8 && !name.equals("SQL_ASCII");
    }

    /**
     * PostgreSQL's encoding called name (as ParameterStatus client_encoding reports it, e.g. "UTF8", "SJIS",
     * "LATIN1", "WIN1252", "EUC_JP"; case-insensitive). Never null: a name PgGuard does not know gives an encoding
     * whose {@link #readsNonAscii()} is false; null gives {@link #UTF8}, as a session without ParameterStatus has.
     */
    public static ClientEncoding forName(String name) {
        if (name == null) {
            return UTF8;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        ClientEncoding known = KNOWN.get(upper);
        // An unknown name is not cached: the set of names a client can send is unbounded.
        return known != null ? known : new ClientEncoding(upper, Kind.SINGLE_BYTE, null, null);
    }

    /** PostgreSQL's name, upper case as PostgreSQL spells it. */
    public String name() {
        return name;
    }

    /**
     * Whether text is UTF-8 that the server checks, so that decoding it loses nothing the server keeps: UTF8 (and
     * UNICODE). SQL_ASCII decodes as UTF-8 too, but is not: in a SQL_ASCII database the server takes any bytes,
     * which a UTF-8 decoder may merge, or change when the text is encoded again.
     */
    public boolean isUtf8() {
        return checkedUtf8;
    }

    /**
     * This encoding as the server converts it into its own encoding {@code serverEncoding} (as ParameterStatus
     * server_encoding reports it): the SHIFT_JIS_2004 characters PostgreSQL's table into UTF8 makes ASCII stay
     * two-byte characters in its arithmetic conversion into EUC_JIS_2004.
     */
    public ClientEncoding convertedTo(String serverEncoding) {
        if (asciiInTheServersTable.isEmpty() || serverEncoding == null || serverEncoding.equalsIgnoreCase("UTF8")) {
            return this;
        }
        return new ClientEncoding(name, kind, charset, charLength);
    }

    /**
     * Whether decode gives the characters the server reads for bytes {@code >= 0x80} too. False for unknown names,
     * MULE_INTERNAL, and encodings whose Java charset this JVM lacks. (Bytes {@code < 0x80} always decode to
     * themselves in every encoding.)
     */
    public boolean readsNonAscii() {
        return charset != null;
    }

    /**
     * The characters of length bytes of buf from index (the reader index is not moved), split into characters
     * exactly as PostgreSQL splits them. A character the Java charset cannot map, or a sequence cut short by the
     * end, becomes U+FFFD.
     */
    public String decode(ByteBuf buf, int index, int length) {
        return switch (kind) {
            case UTF8 -> buf.toString(index, length, StandardCharsets.UTF_8);
            case SINGLE_BYTE -> decodeSingleByte(buf, index, length);
            case MULTIBYTE -> decodeMultibyte(buf, index, length);
        };
    }

    /** text in this encoding, or null when some character has no bytes in it. */
    public byte[] encode(String text) {
        if (charset == null) {
            return isAscii(text) ? text.getBytes(StandardCharsets.US_ASCII) : null;
        }
        byte[] bytes = encodeStrictly(text);
        if (bytes == null || kind != Kind.MULTIBYTE) {
            return bytes;
        }
        // The server splits these bytes with its mblen function, not with Java's encoder; where the two disagree
        // (JOHAB characters led by 0x8E or 0x8F) the server would read other characters, so there are no bytes.
        return readsBackAs(bytes, text) ? bytes : null;
    }

    /** Whether any of length bytes of buf from index is {@code >= 0x80}. */
    public static boolean hasNonAscii(ByteBuf buf, int index, int length) {
        return buf.forEachByte(index, length, WHILE_ASCII) >= 0;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- decoding ----

    private String decodeSingleByte(ByteBuf buf, int index, int length) {
        if (charset != null) {
            // Netty decodes with REPLACE; a single-byte decoder replaces an unmapped byte by one U+FFFD.
            return buf.toString(index, length, charset);
        }
        if (!hasNonAscii(buf, index, length)) {
            return buf.toString(index, length, StandardCharsets.US_ASCII);
        }
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            byte b = buf.getByte(index + i);
            chars[i] = b >= 0 ? (char) b : REPLACEMENT;
        }
        return new String(chars);
    }

    private String decodeMultibyte(ByteBuf buf, int index, int length) {
        if (!hasNonAscii(buf, index, length)) {
            return buf.toString(index, length, StandardCharsets.US_ASCII);
        }
        CharacterDecoder decoder = new CharacterDecoder(charset);
        StringBuilder out = new StringBuilder(length);
        int end = index + length;
        int at = index;
        while (at < end) {
            byte b = buf.getByte(at);
            if (b >= 0) {
                // Every mblen function in wchar.c gives 1 for a byte below 0x80: it is its own character.
                out.append((char) b);
                at++;
                continue;
            }
            int n = charLength.of(buf, at, end);
            if (n > end - at) {
                // The character runs past the end of the text: it is cut short, and it is the last one.
                out.append(REPLACEMENT);
                break;
            }
            Character ascii = n == 2 ? asciiInTheServersTable.get(buf.getUnsignedShort(at)) : null;
            if (ascii != null) {
                out.append(ascii.charValue());
            } else {
                decoder.decode(buf, at, n, out);
            }
            at += n;
        }
        return out.toString();
    }

    /**
     * Decodes one character whose bytes PostgreSQL's walk has already delimited. It is one Java decoder (not
     * thread-safe) and its buffers, made for one decode call.
     */
    private static final class CharacterDecoder {
        private final CharsetDecoder decoder;
        private final byte[] bytes = new byte[MAX_BYTES_PER_CHARACTER];
        private final CharBuffer chars = CharBuffer.allocate(MAX_CHARS_PER_CHARACTER);

        CharacterDecoder(Charset charset) {
            this.decoder = charset == null ? null : charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }

        void decode(ByteBuf buf, int index, int n, StringBuilder out) {
            if (decoder == null) {
                out.append(REPLACEMENT);
                return;
            }
            buf.getBytes(index, bytes, 0, n);
            if (decodeExactly(ByteBuffer.wrap(bytes, 0, n))) {
                out.append(chars);
            } else {
                out.append(REPLACEMENT);
            }
        }

        /**
         * Whether the bytes are exactly one character for Java too: no error, every byte consumed, something
         * produced, and nothing ASCII. A high-bit character is never ASCII for the server, so an ASCII char here
         * means Java split the bytes otherwise (e.g. JOHAB 0x8F 0x61 0x27, three bytes for pg_euc_mblen).
         */
        private boolean decodeExactly(ByteBuffer in) {
            decoder.reset();
            chars.clear();
            CoderResult result = decoder.decode(in, chars, true);
            if (!result.isUnderflow() || in.hasRemaining() || !decoder.flush(chars).isUnderflow()) {
                return false;
            }
            chars.flip();
            return chars.hasRemaining() && isAboveAscii(chars);
        }

        private static boolean isAboveAscii(CharBuffer decoded) {
            for (int i = decoded.position(); i < decoded.limit(); i++) {
                if (decoded.get(i) < 0x80) {
                    return false;
                }
            }
            return true;
        }
    }

    // ---- encoding ----

    private byte[] encodeStrictly(String text) {
        CharsetEncoder encoder = charset.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer encoded = encoder.encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private boolean readsBackAs(byte[] bytes, String text) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return decode(buf, 0, bytes.length).equals(text);
        } finally {
            buf.release();
        }
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    // ---- PostgreSQL's character lengths (src/common/wchar.c), for a first byte >= 0x80 ----

    /** pg_sjis_mblen: 0xA1-0xDF is a one-byte half-width katakana; any other high-bit byte leads two bytes. */
    private static int sjisLength(ByteBuf buf, int index, int end) {
        int lead = buf.getUnsignedByte(index);
        return lead >= 0xA1 && lead <= 0xDF ? 1 : 2;
    }

    /** pg_big5_mblen, pg_gbk_mblen, pg_uhc_mblen and pg_euccn_mblen: every high-bit byte leads two bytes. */
    private static int twoByteLength(ByteBuf buf, int index, int end) {
        return 2;
    }

    /**
     * pg_euc_mblen, which pg_eucjp_mblen (EUC_JP, EUC_JIS_2004), pg_euckr_mblen and pg_johab_mblen return: SS2
     * leads two bytes, SS3 three, any other high-bit byte two. JOHAB gets the EUC rule too, as in PostgreSQL.
     */
    private static int eucLength(ByteBuf buf, int index, int end) {
        int lead = buf.getUnsignedByte(index);
        if (lead == SS3) {
            return 3;
        }
        return 2; // SS2, and any other high-bit byte
    }

    /** pg_euctw_mblen: SS2 leads four bytes (CNS 11643 planes 1-7), SS3 three, any other high-bit byte two. */
    private static int eucTwLength(ByteBuf buf, int index, int end) {
        int lead = buf.getUnsignedByte(index);
        if (lead == SS2) {
            return 4;
        }
        return lead == SS3 ? 3 : 2;
    }

    /**
     * pg_gb18030_mblen, the one that looks at the second byte: 0x30-0x39 there makes four bytes, anything else
     * two. At the end of the text PostgreSQL sees the terminating zero byte there, so two.
     */
    private static int gb18030Length(ByteBuf buf, int index, int end) {
        if (index + 1 >= end) {
            return 2;
        }
        int second = buf.getUnsignedByte(index + 1);
        return second >= 0x30 && second <= 0x39 ? 4 : 2;
    }

    /**
     * pg_mule_mblen with pg_wchar.h's IS_LC1 (0x81-0x8D: two bytes), IS_LCPRV1 (0x9A, 0x9B: three), IS_LC2
     * (0x90-0x99: three) and IS_LCPRV2 (0x9C, 0x9D: four); any other byte is one.
     */
    private static int muleLength(ByteBuf buf, int index, int end) {
        int lead = buf.getUnsignedByte(index);
        if (lead >= 0x81 && lead <= 0x8D) {
            return 2;
        }
        if (lead == 0x9A || lead == 0x9B || (lead >= 0x90 && lead <= 0x99)) {
            return 3;
        }
        return lead == 0x9C || lead == 0x9D ? 4 : 1;
    }

    // ---- the table of encodings (PostgreSQL's names, src/common/encnames.c) ----

    private static Map<String, ClientEncoding> knownEncodings() {
        Map<String, ClientEncoding> map = new HashMap<>();
        map.put(UTF8.name, UTF8);
        // PostgreSQL keeps the name UNICODE as the client set it (old drivers compare it) and reports it so.
        map.put("UNICODE", new ClientEncoding("UNICODE", Kind.UTF8, StandardCharsets.UTF_8, null));
        map.put("SQL_ASCII", new ClientEncoding("SQL_ASCII", Kind.UTF8, StandardCharsets.UTF_8, null));
        addSingleByteEncodings(map);
        addMultibyteEncodings(map);
        // PgGuard has no MULE charset, but still splits MULE text where the server does.
        map.put("MULE_INTERNAL",
                new ClientEncoding("MULE_INTERNAL", Kind.MULTIBYTE, null, ClientEncoding::muleLength));
        return Map.copyOf(map);
    }

    private static void addSingleByteEncodings(Map<String, ClientEncoding> map) {
        String[][] names = {
            {"LATIN1", "ISO-8859-1"}, {"LATIN2", "ISO-8859-2"}, {"LATIN3", "ISO-8859-3"},
            {"LATIN4", "ISO-8859-4"}, {"LATIN5", "ISO-8859-9"}, {"LATIN6", "ISO-8859-10"},
            {"LATIN7", "ISO-8859-13"}, {"LATIN8", "ISO-8859-14"}, {"LATIN9", "ISO-8859-15"},
            {"LATIN10", "ISO-8859-16"}, {"ISO_8859_5", "ISO-8859-5"}, {"ISO_8859_6", "ISO-8859-6"},
            {"ISO_8859_7", "ISO-8859-7"}, {"ISO_8859_8", "ISO-8859-8"}, {"WIN866", "IBM866"},
            {"WIN874", "x-windows-874"}, {"WIN1250", "windows-1250"}, {"WIN1251", "windows-1251"},
            {"WIN1252", "windows-1252"}, {"WIN1253", "windows-1253"}, {"WIN1254", "windows-1254"},
            {"WIN1255", "windows-1255"}, {"WIN1256", "windows-1256"}, {"WIN1257", "windows-1257"},
            {"WIN1258", "windows-1258"}, {"KOI8R", "KOI8-R"}, {"KOI8U", "KOI8-U"},
        };
        for (String[] pair : names) {
            map.put(pair[0], new ClientEncoding(pair[0], Kind.SINGLE_BYTE, charsetOrNull(pair[1]), null));
        }
    }

    private static void addMultibyteEncodings(Map<String, ClientEncoding> map) {
        addMultibyte(map, "SJIS", ClientEncoding::sjisLength, "windows-31j");
        // PostgreSQL's shift_jis_2004_to_utf8 maps 0x815F to U+005C and 0x81B0 to U+007E, where Java's
        // x-SJIS_0213 gives the full-width U+FF3C and U+FF5E: a backslash the server lexes must not hide.
        Charset sjis2004 = charsetOrNull("x-SJIS_0213");
        map.put("SHIFT_JIS_2004", new ClientEncoding("SHIFT_JIS_2004", Kind.MULTIBYTE, sjis2004,
                ClientEncoding::sjisLength, Map.of(0x815F, '\\', 0x81B0, '~')));
        addMultibyte(map, "BIG5", ClientEncoding::twoByteLength, "x-windows-950", "Big5");
        addMultibyte(map, "GBK", ClientEncoding::twoByteLength, "GBK");
        addMultibyte(map, "UHC", ClientEncoding::twoByteLength, "x-windows-949");
        addMultibyte(map, "GB18030", ClientEncoding::gb18030Length, "GB18030");
        addMultibyte(map, "JOHAB", ClientEncoding::eucLength, "x-Johab");
        addMultibyte(map, "EUC_JP", ClientEncoding::eucLength, "EUC-JP");
        addMultibyte(map, "EUC_JIS_2004", ClientEncoding::eucLength, "x-euc-jp-2004", "EUC-JP");
        addMultibyte(map, "EUC_CN", ClientEncoding::twoByteLength, "GB2312");
        addMultibyte(map, "EUC_KR", ClientEncoding::eucLength, "EUC-KR");
        addMultibyte(map, "EUC_TW", ClientEncoding::eucTwLength, "x-EUC-TW");
    }

    /** The first of the Java charsets this JVM has decodes; without any, only the boundaries are known. */
    private static void addMultibyte(Map<String, ClientEncoding> map, String name, CharLength length,
                                     String... javaNames) {
        Charset charset = null;
        for (int i = 0; i < javaNames.length && charset == null; i++) {
            charset = charsetOrNull(javaNames[i]);
        }
        map.put(name, new ClientEncoding(name, Kind.MULTIBYTE, charset, length));
    }

    private static Charset charsetOrNull(String javaName) {
        try {
            return Charset.isSupported(javaName) ? Charset.forName(javaName) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
