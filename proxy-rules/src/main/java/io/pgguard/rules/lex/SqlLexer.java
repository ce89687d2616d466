package io.pgguard.rules.lex;

import java.util.ArrayList;
import java.util.List;

/**
 * A lexer that follows PostgreSQL's scan.l closely enough to find every literal, comment and statement boundary
 * exactly where the server does. It never uses regular expressions over the raw text: one forward scan.
 *
 * <p>Deliberate fail-closed behaviour: anything the server would reject at lexing time (unterminated string,
 * comment, quoted identifier or dollar quote; zero-length quoted identifier; U&amp;'' with
 * standard_conforming_strings off) raises {@link LexException}, and callers treat the whole input as unparseable.
 */
public final class SqlLexer {
    private final String sql;
    private final boolean standardConformingStrings;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /**
     * Bytes from E'' escapes (\xC3, \303) not yet decoded: PostgreSQL puts such an escape's byte into the string
     * as it is, so several make one character in the server's encoding, taken to be UTF8 here.
     */
    private byte[] pendingBytes = new byte[8];
    private int pendingLength;

    private SqlLexer(String sql, boolean standardConformingStrings) {
        this.sql = sql;
        this.standardConformingStrings = standardConformingStrings;
    }

    /** Lexes the whole text into significant tokens (no whitespace, no comments). */
    public static List<Token> tokenize(String sql, boolean standardConformingStrings) throws LexException {
        SqlLexer lexer = new SqlLexer(sql, standardConformingStrings);
        lexer.run();
        return lexer.tokens;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    static boolean isIdentCont(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isOpChar(char c) {
        return "~!@#^&|`?+-*/%<>=".indexOf(c) >= 0;
    }

    private char at(int i) {
        return i < sql.length() ? sql.charAt(i) : '\0';
    }

    private void run() throws LexException {
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (isSpace(c)) {
                pos++;
            } else if (c == '-' && at(pos + 1) == '-') {
                skipLineComment();
            } else if (c == '/' && at(pos + 1) == '*') {
                skipBlockComment();
            } else {
                lexToken(c);
            }
        }
    }

    private void skipLineComment() {
        pos = endOfLineComment(pos);
    }

    /** PostgreSQL block comments nest: every /* needs its own closing star-slash. */
    private void skipBlockComment() throws LexException {
        int start = pos;
        int depth = 0;
        while (pos < sql.length()) {
            if (sql.charAt(pos) == '/' && at(pos + 1) == '*') {
                depth++;
                pos += 2;
            } else if (sql.charAt(pos) == '*' && at(pos + 1) == '/') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                pos++;
            }
        }
        throw LexException.syntax("unterminated /* comment", start);
    }

    private void lexToken(char c) throws LexException {
        int start = pos;
        char next = at(pos + 1);
        if ((c == 'e' || c == 'E') && next == '\'') {
            pos += 1;
            lexQuotedString(start, StringKind.ESCAPE, true);
        } else if ((c == 'n' || c == 'N') && next == '\'') {
            pos += 1;
            lexQuotedString(start, StringKind.NATIONAL, !standardConformingStrings);
        } else if ((c == 'b' || c == 'B') && next == '\'') {
            pos += 1;
            lexQuotedString(start, StringKind.BIT, false);
        } else if ((c == 'x' || c == 'X') && next == '\'') {
            pos += 1;
            lexQuotedString(start, StringKind.HEX, false);
        } else if ((c == 'u' || c == 'U') && next == '&' && (at(pos + 2) == '\'' || at(pos + 2) == '"')) {
            lexUnicode(start);
        } else if (c == '\'') {
            lexQuotedString(start, StringKind.STANDARD, !standardConformingStrings);
        } else if (c == '"') {
            lexQuotedIdentifier(start);
        } else if (c == '$') {
            lexDollar(start);
        } else if (isIdentStart(c)) {
            lexIdentifier(start);
        } else if (isDigit(c) || (c == '.' && isDigit(next))) {
            lexNumber(start);
        } else {
            lexPunctuationOrOperator(start, c, next);
        }
    }

    private void add(TokenType type, int start, String value, StringKind kind) {
        tokens.add(new Token(type, start, pos, sql.substring(start, pos), value, kind));
    }

    private void lexIdentifier(int start) {
        while (pos < sql.length() && isIdentCont(sql.charAt(pos))) {
            pos++;
        }
        add(TokenType.IDENT, start, asciiLower(sql.substring(start, pos)), StringKind.NONE);
    }

    /** PostgreSQL folds only ASCII letters of unquoted identifiers (downcase_identifier, multibyte encodings). */
    public static String asciiLower(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, (char) (c + 32));
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Reads a '...' body starting at the opening quote (pos points at it). Handles '' doubling, backslash escapes
     * when {@code backslashEscapes}, and the SQL-standard continuation of adjacent literals separated by
     * whitespace that contains a newline.
     */
    private void lexQuotedString(int start, StringKind kind, boolean backslashEscapes) throws LexException {
        StringBuilder value = new StringBuilder();
        readQuotedBody(value, backslashEscapes, start);
        while (continuationFollows()) {
            readQuotedBody(value, backslashEscapes, start);
        }
        flushBytes(value, start);
        add(TokenType.STRING, start, value.toString(), kind);
    }

    /** Decodes the escapes' pending bytes as UTF8 onto {@code value}; bytes that are no UTF8 fail, as on the server. */
    private void flushBytes(StringBuilder value, int start) throws LexException {
        if (pendingLength == 0) {
            return;
        }
        try {
            value.append(java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(pendingBytes, 0, pendingLength)));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new LexException("invalid byte sequence for encoding UTF8 in an escape", start);
        } finally {
            pendingLength = 0;
        }
    }

    private void appendByte(int b) {
        if (pendingLength == pendingBytes.length) {
            pendingBytes = java.util.Arrays.copyOf(pendingBytes, pendingLength * 2);
        }
        pendingBytes[pendingLength++] = (byte) b;
    }

    private void readQuotedBody(StringBuilder value, boolean backslashEscapes, int start) throws LexException {
        pos++; // opening quote
        while (true) {
            if (pos >= sql.length()) {
                throw LexException.syntax("unterminated quoted string", start);
            }
            char c = sql.charAt(pos);
            if (c == '\'') {
                if (at(pos + 1) == '\'') {
                    flushBytes(value, start);
                    value.append('\'');
                    pos += 2;
                    continue;
                }
                pos++;
                return;
            }
            if (c == '\\' && backslashEscapes) {
                pos = decodeBackslashEscape(value, pos, start);
                continue;
            }
            flushBytes(value, start); // (the closing quote leaves them: a continued literal may finish a character)
            value.append(c);
            pos++;
        }
    }

    /** Returns the position after the escape; decodes E'' escapes the way PostgreSQL's xe state does. */
    private int decodeBackslashEscape(StringBuilder value, int p, int start) throws LexException {
        char e = at(p + 1);
        if (p + 1 >= sql.length()) {
            throw LexException.syntax("unterminated quoted string", start);
        }
        if (!(e == 'x' || e >= '0' && e <= '7')) {
            flushBytes(value, start);
        }
        switch (e) {
            case 'b': value.append('\b'); return p + 2;
            case 'f': value.append('\f'); return p + 2;
            case 'n': value.append('\n'); return p + 2;
            case 'r': value.append('\r'); return p + 2;
            case 't': value.append('\t'); return p + 2;
            case 'x': return decodeDigits(value, p + 2, 16, 2, 0);
            case 'u': return decodeDigits(value, p + 2, 16, 4, 4);
            case 'U': return decodeDigits(value, p + 2, 16, 8, 8);
            default:
                if (e >= '0' && e <= '7') {
                    return decodeDigits(value, p + 1, 8, 3, 1);
                }
                value.append(e);
                return p + 2;
        }
    }

    private int decodeDigits(StringBuilder value, int p, int radix, int max, int min) throws LexException {
        int n = 0;
        int code = 0;
        while (n < max && Character.digit(at(p + n), radix) >= 0 && p + n < sql.length()) {
            code = code * radix + Character.digit(at(p + n), radix);
            n++;
        }
        if (n < min) {
            throw new LexException("invalid escape sequence", p);
        }
        if (n == 0) { // "\x" with no hex digit is just "x"
            flushBytes(value, p);
            value.append('x');
            return p;
        }
        if (radix == 8 || max == 2) { // \ooo and \xhh are one byte each
            int b = code & 0xFF;
            if (b == 0) {
                throw new LexException("invalid byte sequence for encoding UTF8: 0x00", p);
            }
            appendByte(b);
            return p + n;
        }
        value.appendCodePoint(Math.max(0, Math.min(code, Character.MAX_CODE_POINT)));
        return p + n;
    }

    /**
     * After a closing quote: PostgreSQL's {@code whitespace_with_newline} then another quote continues the literal.
     * Before the first newline only spaces, tabs, form feeds, vertical tabs (PostgreSQL 16 on; 15 refuses a vertical
     * tab anywhere) and -- comments may come (a -- comment runs up to that newline); after it any whitespace, and --
     * comments each ended by a newline. A block comment anywhere ends the literal.
     */
    private boolean continuationFollows() {
        int p = pos;
        while (true) {
            char c = at(p);
            if (p >= sql.length()) {
                return false;
            } else if (c == '\n' || c == '\r') {
                p++;
                break;
            } else if (c == ' ' || c == '\t' || c == '\f' || c == 0x0B) {
                p++;
            } else if (c == '-' && at(p + 1) == '-') {
                p = endOfLineComment(p);
            } else {
                return false;
            }
        }
        while (p < sql.length()) {
            char c = sql.charAt(p);
            if (isSpace(c)) {
                p++;
            } else if (c == '-' && at(p + 1) == '-') {
                p = endOfLineComment(p);
                if (p >= sql.length()) {
                    return false;
                }
            } else {
                break;
            }
        }
        if (at(p) == '\'' && p < sql.length()) {
            pos = p;
            return true;
        }
        return false;
    }

    /** The index of the newline that ends the -- comment at {@code p}, or the end of the text. */
    private int endOfLineComment(int p) {
        while (p < sql.length() && sql.charAt(p) != '\n' && sql.charAt(p) != '\r') {
            p++;
        }
        return p;
    }

    private void lexQuotedIdentifier(int start) throws LexException {
        String name = readDoubleQuoted(start);
        if (name.isEmpty()) {
            throw LexException.syntax("zero-length delimited identifier", start);
        }
        add(TokenType.QUOTED_IDENT, start, name, StringKind.NONE);
    }

    private String readDoubleQuoted(int start) throws LexException {
        StringBuilder value = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= sql.length()) {
                throw LexException.syntax("unterminated quoted identifier", start);
            }
            char c = sql.charAt(pos);
            if (c == '"') {
                if (at(pos + 1) == '"') {
                    value.append('"');
                    pos += 2;
                    continue;
                }
                pos++;
                return value.toString();
            }
            value.append(c);
            pos++;
        }
    }

    /** U&'...' strings and U&"..." identifiers, with an optional UESCAPE 'c' clause after them. */
    private void lexUnicode(int start) throws LexException {
        boolean identifier = at(pos + 2) == '"';
        if (!identifier && !standardConformingStrings) {
            throw new LexException("unsafe use of string constant with Unicode escapes", start);
        }
        pos += 2;
        String raw;
        if (identifier) {
            raw = readDoubleQuoted(start);
        } else {
            StringBuilder b = new StringBuilder();
            readQuotedBody(b, false, start);
            while (continuationFollows()) {
                readQuotedBody(b, false, start);
            }
            raw = b.toString();
        }
        char escape = readUescape();
        String decoded = decodeUnicodeEscapes(raw, escape, start);
        if (identifier) {
            if (decoded.isEmpty()) {
                throw LexException.syntax("zero-length delimited identifier", start);
            }
            add(TokenType.QUOTED_IDENT, start, decoded, StringKind.UNICODE);
        } else {
            add(TokenType.STRING, start, decoded, StringKind.UNICODE);
        }
    }

    /** Consumes "UESCAPE 'c'" (with whitespace/comments around) if present; returns the escape character. */
    private char readUescape() throws LexException {
        int save = pos;
        int p = skipGap(pos);
        if (p + 7 <= sql.length() && sql.regionMatches(true, p, "uescape", 0, 7)
                && !isIdentCont(at(p + 7))) {
            p = skipGap(p + 7);
            // Any string constant ('!', E'!', $$!$$...) of one character, read as the lexer reads every string.
            int before = tokens.size();
            pos = p;
            if (p < sql.length()) {
                lexToken(sql.charAt(p));
            }
            Token escape = tokens.size() == before + 1 ? tokens.remove(before) : null;
            if (escape == null || escape.type() != TokenType.STRING || escape.value().length() != 1) {
                throw new LexException("UESCAPE must be followed by a simple string literal", p);
            }
            char c = escape.value().charAt(0);
            if (isSpace(c) || c == '\'' || c == '"' || c == '+' || isHexDigit(c)) {
                throw new LexException("invalid Unicode escape character", p);
            }
            return c;
        }
        pos = save;
        return '\\';
    }

    private int skipGap(int p) throws LexException {
        while (p < sql.length()) {
            char c = sql.charAt(p);
            if (isSpace(c)) {
                p++;
            } else if (c == '-' && at(p + 1) == '-') {
                p = endOfLineComment(p);
            } else if (c == '/' && at(p + 1) == '*') {
                int save = pos;
                pos = p;
                skipBlockComment();
                p = pos;
                pos = save;
            } else {
                break;
            }
        }
        return p;
    }

    private static boolean isHexDigit(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    private static String decodeUnicodeEscapes(String raw, char escape, int start) throws LexException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != escape) {
                out.append(c);
                continue;
            }
            if (i + 1 < raw.length() && raw.charAt(i + 1) == escape) {
                out.append(escape);
                i++;
            } else if (i + 1 < raw.length() && raw.charAt(i + 1) == '+') {
                out.appendCodePoint(hexCodePoint(raw, i + 2, 6, start));
                i += 7;
            } else {
                out.appendCodePoint(hexCodePoint(raw, i + 1, 4, start));
                i += 4;
            }
        }
        return out.toString();
    }

    private static int hexCodePoint(String raw, int from, int digits, int start) throws LexException {
        if (from + digits > raw.length()) {
            throw new LexException("invalid Unicode escape", start);
        }
        int code = 0;
        for (int k = 0; k < digits; k++) {
            int d = Character.digit(raw.charAt(from + k), 16);
            if (d < 0) {
                throw new LexException("invalid Unicode escape", start);
            }
            code = code * 16 + d;
        }
        if (code > Character.MAX_CODE_POINT || code == 0) {
            throw new LexException("invalid Unicode escape value", start);
        }
        return code;
    }

    /** $n parameter, $tag$ dollar quote, or (a lone '$') an error as in PostgreSQL. */
    private void lexDollar(int start) throws LexException {
        char next = at(pos + 1);
        if (isDigit(next)) {
            pos++;
            while (pos < sql.length() && isDigit(sql.charAt(pos))) {
                pos++;
            }
            add(TokenType.PARAM, start, sql.substring(start + 1, pos), StringKind.NONE);
            return;
        }
        int p = pos + 1;
        if (next != '$') {
            if (!isIdentStart(next)) {
                throw LexException.syntax("syntax error at or near \"$\"", start);
            }
            while (p < sql.length() && isIdentStart(sql.charAt(p)) || (p < sql.length() && isDigit(sql.charAt(p)))) {
                p++;
            }
            if (at(p) != '$') {
                throw LexException.syntax("syntax error at or near \"$\"", start);
            }
        }
        String delimiter = sql.substring(start, p + 1);
        int bodyStart = p + 1;
        int close = sql.indexOf(delimiter, bodyStart);
        if (close < 0) {
            throw LexException.syntax("unterminated dollar-quoted string", start);
        }
        pos = close + delimiter.length();
        add(TokenType.STRING, start, sql.substring(bodyStart, close), StringKind.DOLLAR);
    }

    private void lexNumber(int start) {
        if (sql.charAt(pos) == '0' && "xXoObB".indexOf(at(pos + 1)) >= 0 && Character.digit(at(pos + 2), 16) >= 0) {
            pos += 2;
            while (pos < sql.length() && (Character.digit(sql.charAt(pos), 16) >= 0 || sql.charAt(pos) == '_')) {
                pos++;
            }
            add(TokenType.NUMBER, start, sql.substring(start, pos), StringKind.NONE);
            return;
        }
        readDigits();
        if (at(pos) == '.' && at(pos + 1) != '.') {
            pos++;
            readDigits();
        }
        if ((at(pos) == 'e' || at(pos) == 'E')
                && (isDigit(at(pos + 1)) || ((at(pos + 1) == '+' || at(pos + 1) == '-') && isDigit(at(pos + 2))))) {
            pos += 2;
            readDigits();
        }
        add(TokenType.NUMBER, start, sql.substring(start, pos), StringKind.NONE);
    }

    private void readDigits() {
        while (pos < sql.length() && (isDigit(sql.charAt(pos)) || (sql.charAt(pos) == '_' && isDigit(at(pos + 1))))) {
            pos++;
        }
    }

    private void lexPunctuationOrOperator(int start, char c, char next) throws LexException {
        TokenType simple = switch (c) {
            case '(' -> TokenType.LPAREN;
            case ')' -> TokenType.RPAREN;
            case '[' -> TokenType.LBRACKET;
            case ']' -> TokenType.RBRACKET;
            case ',' -> TokenType.COMMA;
            case ';' -> TokenType.SEMICOLON;
            default -> null;
        };
        if (simple != null) {
            pos++;
            add(simple, start, null, StringKind.NONE);
        } else if (c == ':' && next == ':') {
            pos += 2;
            add(TokenType.TYPECAST, start, null, StringKind.NONE);
        } else if (c == ':' && next == '=') {
            pos += 2;
            add(TokenType.OPERATOR, start, null, StringKind.NONE);
        } else if (c == ':') {
            pos++;
            add(TokenType.COLON, start, null, StringKind.NONE);
        } else if (c == '.') {
            pos += next == '.' ? 2 : 1;
            add(next == '.' ? TokenType.OPERATOR : TokenType.DOT, start, null, StringKind.NONE);
        } else if (isOpChar(c)) {
            lexOperator(start);
        } else {
            throw LexException.syntax("syntax error at or near \"" + c + "\"", start);
        }
    }

    /**
     * Operators as scan.l reads them: the longest run of operator characters, cut where a comment starts, and with
     * trailing '+'/'-' dropped unless the operator holds one of ~!@#^&|`?% (so "a=-1" is '=' then '-1').
     */
    private void lexOperator(int start) {
        int p = pos;
        while (p < sql.length() && isOpChar(sql.charAt(p))) {
            if ((sql.charAt(p) == '-' && at(p + 1) == '-') || (sql.charAt(p) == '/' && at(p + 1) == '*')) {
                break; // a comment starts inside the run: the operator ends before it
            }
            p++;
        }
        int end = p;
        if (end - start > 1 && !containsAny(sql, start, end, "~!@#^&|`?%")) {
            while (end - start > 1 && (sql.charAt(end - 1) == '+' || sql.charAt(end - 1) == '-')) {
                end--;
            }
        }
        pos = end;
        add(TokenType.OPERATOR, start, null, StringKind.NONE);
    }

    private static boolean containsAny(String s, int from, int to, String chars) {
        for (int i = from; i < to; i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }
}
