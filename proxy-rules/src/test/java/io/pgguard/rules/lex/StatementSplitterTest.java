package io.pgguard.rules.lex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatementSplitterTest {

    private static List<String> split(String sql, boolean scs) {
        LexedScript script = StatementSplitter.split(sql, scs);
        assertNull(script.error(), () -> "unexpected lex error: " + script.error());
        return script.statements().stream().map(s -> s.text(sql)).toList();
    }

    private static List<String> split(String sql) {
        return split(sql, true);
    }

    @Test
    void splitsOnTopLevelSemicolonsAndDropsEmptyStatements() {
        assertEquals(List.of("SELECT 1", "DELETE FROM t"), split(";; SELECT 1 ;;\n; DELETE FROM t;"));
    }

    @Test
    void nestedBlockCommentsHideSemicolons() {
        assertEquals(List.of("SELECT 1"), split("/* a /* nested; */ still comment; */ SELECT 1 /* x */"));
    }

    @Test
    void lineCommentRunsToEndOfLine() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), split("SELECT 1; -- ; DROP TABLE t\nSELECT 2"));
    }

    @Test
    void standardConformingStringsOnBackslashDoesNotEscape() {
        assertEquals(List.of("SELECT '\\'", "DELETE FROM t"), split("SELECT '\\'; DELETE FROM t; -- '"));
    }

    @Test
    void standardConformingStringsOffBackslashEscapesTheQuote() {
        assertEquals(List.of("SELECT 'a\\'; DELETE FROM t; --'"), split("SELECT 'a\\'; DELETE FROM t; --'", false));
    }

    @Test
    void escapeStringKeepsBackslashQuoteInside() {
        assertEquals(1, split("SELECT E'\\'; DELETE FROM t; --'").size());
        assertEquals(2, split("SELECT e'\\\\'; DELETE FROM t").size());
    }

    @Test
    void doubledQuotesStayInside() {
        assertEquals(List.of("SELECT 'it''s; fine'"), split("SELECT 'it''s; fine'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT $$; DELETE FROM t; $$", "SELECT $a$ $$; DROP TABLE t; $$ $a$",
            "SELECT $_x1$;$_x1$", "DO $$ BEGIN PERFORM 1; END $$"})
    void dollarQuotesHideSemicolons(String sql) {
        assertEquals(1, split(sql).size());
    }

    @Test
    void dollarDigitIsAParameterNotAQuote() {
        LexedScript s = StatementSplitter.split("SELECT $1; SELECT $2", true);
        assertEquals(2, s.statements().size());
        assertEquals(TokenType.PARAM, s.statements().get(0).tokens().get(1).type());
    }

    @Test
    void identifierMayContainDollarWithoutStartingAQuote() {
        List<Token> tokens = StatementSplitter.split("SELECT a$b$ FROM t", true).statements().get(0).tokens();
        assertEquals("a$b$", tokens.get(1).value());
    }

    @Test
    void quotedIdentifierHidesSemicolonAndKeepsCase() {
        LexedScript s = StatementSplitter.split("SELECT \"a;\"\"b\" FROM \"T\"", true);
        assertEquals(1, s.statements().size());
        assertEquals("a;\"b", s.statements().get(0).tokens().get(1).value());
        assertEquals("T", s.statements().get(0).tokens().get(3).value());
    }

    @Test
    void unicodeStringsAndIdentifiersAreDecoded() throws LexException {
        List<Token> t = SqlLexer.tokenize("SELECT U&'d\\0061t\\+000061' , U&\"d!0061t\" UESCAPE '!'", true);
        assertEquals("data", t.get(1).value());
        assertEquals("dat", t.get(3).value());
        assertEquals(TokenType.QUOTED_IDENT, t.get(3).type());
    }

    @Test
    void unicodeStringWithStandardConformingStringsOffIsRefused() {
        assertTrue(StatementSplitter.split("SELECT U&'x'", false).failed());
    }

    @Test
    void bitNationalAndHexStrings() throws LexException {
        List<Token> t = SqlLexer.tokenize("SELECT B'1010', X'1F', N'na;me'", true);
        assertEquals(StringKind.BIT, t.get(1).stringKind());
        assertEquals(StringKind.HEX, t.get(3).stringKind());
        assertEquals("na;me", t.get(5).value());
    }

    @Test
    void adjacentStringsSeparatedByNewlineAreOneConstant() throws LexException {
        List<Token> t = SqlLexer.tokenize("SELECT 'a'\n  'b'", true);
        assertEquals(2, t.size());
        assertEquals("ab", t.get(1).value());
    }

    /** scan.l's whitespace_with_newline: -- comments before and after the newline, never a block comment. */
    @ParameterizedTest
    @ValueSource(strings = {"SELECT 'a' -- c\n'b'", "SELECT 'a'\n-- c\n'b'", "SELECT 'a' \t\f-- c\n \n -- d\n  'b'",
            "SELECT 'a' --c\r'b'", "SELECT 'a'\n\u000B'b'", "SELECT 'a'\u000B\n'b'"}) // (a vertical tab: 16 on)
    void aStringContinuesAcrossANewlineAndLineComments(String sql) throws LexException {
        List<Token> t = SqlLexer.tokenize(sql, true);
        assertEquals(2, t.size(), sql);
        assertEquals("ab", t.get(1).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 'a' /* c */\n'b'", "SELECT 'a'\n/* c */'b'", "SELECT 'a' 'b'",
            "SELECT 'a' -- c 'b'"})
    void aStringDoesNotContinueWithoutANewlineOrAcrossABlockComment(String sql) throws LexException {
        assertFalse(SqlLexer.tokenize(sql, true).stream().anyMatch(k -> k.value().equals("ab")), sql);
    }

    /** The continued part of an E'' string keeps its backslash escapes, so \' there is a quote, not the end. */
    @Test
    void aLineCommentBeforeTheNewlineDoesNotHideAStatementInAContinuedEscapeString() {
        assertEquals(List.of("SELECT E'x' --\n'\\' FROM t WHERE v = '", "DROP TABLE t"),
                split("SELECT E'x' --\n'\\' FROM t WHERE v = '; DROP TABLE t; --'"));
    }

    @Test
    void formFeedAndVerticalTabAreWhitespace() {
        assertEquals(List.of("SELECT\f1", "SELECT\u000B2"), split("SELECT\f1;\u000BSELECT\u000B2"));
    }

    @Test
    void typecastAndOperatorsLex() throws LexException {
        List<Token> t = SqlLexer.tokenize("SELECT a::int, b->>'k', c @> d, x<>-1", true);
        assertEquals(TokenType.TYPECAST, t.get(2).type());
        assertTrue(t.stream().anyMatch(k -> k.isOperator("->>")));
        assertTrue(t.stream().anyMatch(k -> k.isOperator("@>")));
        assertTrue(t.stream().anyMatch(k -> k.isOperator("<>")));
    }

    @Test
    void operatorStopsWhereACommentStarts() throws LexException {
        List<Token> t = SqlLexer.tokenize("SELECT 1 */* c */ 2", true);
        assertEquals(4, t.size());
        assertTrue(t.get(2).isOperator("*"));
    }

    @Test
    void blankLinesInsideAStatementDoNotSplitIt() {
        assertEquals(1, split("SELECT *\n\n\nFROM t\n\n\nWHERE id = 1").size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SELECT 1 /* unterminated", "SELECT 'open", "SELECT E'\\'", "SELECT $$ no end", "SELECT \"open",
            "SELECT \"\"", "SELECT (1; 2)", "SELECT (1", "SELECT 1)", "SELECT $a"})
    void unterminatedOrUnbalancedInputFails(String sql) {
        assertTrue(StatementSplitter.split(sql, true).failed(), sql);
    }

    @Test
    void beginAtomicBodyIsNotSplit() {
        String sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT 3";
        List<String> parts = split(sql);
        assertEquals(2, parts.size());
        assertEquals("SELECT 3", parts.get(1));
    }

    @Test
    void leadingKeywordsAreUppercased() {
        LexedStatement s = StatementSplitter.split("start transaction read only", true).statements().get(0);
        assertEquals(List.of("START", "TRANSACTION", "READ", "ONLY"), s.leadingKeywords());
    }

    @Test
    void redactorReplacesEveryLiteral() {
        assertEquals("ALTER ROLE bob PASSWORD ? VALID UNTIL ?",
                SqlRedactor.redact("ALTER ROLE bob PASSWORD 'secret' VALID UNTIL '2030-01-01'", true));
        assertEquals("SELECT ?, ?, $1 /* keep */", SqlRedactor.redact("SELECT $$x$$, 42, $1 /* keep */", true));
        assertFalse(SqlRedactor.redact("SELECT 'unterminated secret", true).contains("secret"));
    }
}
