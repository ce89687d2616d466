package io.pgguard.rules.lex;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a query string into statements where PostgreSQL does: at semicolons outside any literal, comment or
 * bracket, and not inside the BEGIN ATOMIC ... END body of a SQL-standard function. Empty statements vanish.
 * Unbalanced brackets are a syntax error for the server (nothing of the string runs), so the whole script is
 * reported as failed: callers fail closed on it. So is a semicolon inside brackets, which PostgreSQL reads only
 * between the actions of CREATE RULE ... DO (...; ...), and PgGuard does not read at all.
 */
public final class StatementSplitter {
    private static final int LEADING_KEYWORDS = 6;

    private StatementSplitter() {
    }

    public static LexedScript split(String sql, boolean standardConformingStrings) {
        List<Token> tokens;
        try {
            tokens = SqlLexer.tokenize(sql, standardConformingStrings);
        } catch (LexException e) {
            return LexedScript.failed(sql, e.getMessage(), e.syntaxError());
        }
        return splitTokens(sql, tokens);
    }

    static LexedScript splitTokens(String sql, List<Token> tokens) {
        List<LexedStatement> statements = new ArrayList<>();
        int depth = 0;
        int atomicDepth = 0;
        int from = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            switch (t.type()) {
                case LPAREN, LBRACKET -> depth++;
                case RPAREN, RBRACKET -> {
                    if (--depth < 0) {
                        return LexedScript.failed(sql, "syntax error: unbalanced ')' at position " + t.start(), true);
                    }
                }
                case SEMICOLON -> {
                    if (depth > 0) {
                        // Not certainly a syntax error: CREATE RULE ... DO (action; action) is PostgreSQL's one
                        // place for it.
                        return LexedScript.failed(sql, "';' inside parentheses at position " + t.start(), false);
                    }
                    if (atomicDepth == 0) {
                        addStatement(statements, tokens.subList(from, i));
                        from = i + 1;
                    }
                }
                case IDENT -> atomicDepth = trackAtomicBody(tokens, from, i, atomicDepth);
                default -> { }
            }
        }
        if (depth != 0) {
            return LexedScript.failed(sql, "syntax error: unbalanced '(' at end of input", true);
        }
        addStatement(statements, tokens.subList(from, tokens.size()));
        return LexedScript.of(sql, List.copyOf(statements));
    }

    /**
     * Follows BEGIN ATOMIC ... END nesting (with CASE ... END inside) in CREATE FUNCTION/PROCEDURE, as the server's
     * grammar reads it.
     */
    private static int trackAtomicBody(List<Token> tokens, int from, int i, int atomicDepth) {
        Token t = tokens.get(i);
        if (atomicDepth == 0) {
            boolean begins = t.isKeyword("begin") && i + 1 < tokens.size() && tokens.get(i + 1).isKeyword("atomic");
            return begins && isCreateRoutine(tokens, from) ? 1 : 0;
        }
        // The body holds statements, never another block: BEGIN there is a name (SELECT 1 AS begin). CASE and END
        // count unless they are a column's name (AS end, r.case), which PostgreSQL's grammar allows.
        Token before = tokens.get(i - 1);
        if (before.type() == TokenType.DOT || before.isKeyword("as")) {
            return atomicDepth;
        }
        if (t.isKeyword("case")) {
            return atomicDepth + 1;
        }
        if (t.isKeyword("end")) {
            return atomicDepth - 1;
        }
        return atomicDepth;
    }

    private static boolean isCreateRoutine(List<Token> tokens, int from) {
        int i = from;
        if (i >= tokens.size() || !tokens.get(i).isKeyword("create")) {
            return false;
        }
        i++;
        if (i + 1 < tokens.size() && tokens.get(i).isKeyword("or") && tokens.get(i + 1).isKeyword("replace")) {
            i += 2;
        }
        return i < tokens.size() && (tokens.get(i).isKeyword("function") || tokens.get(i).isKeyword("procedure"));
    }

    private static void addStatement(List<LexedStatement> out, List<Token> tokens) {
        if (tokens.isEmpty()) {
            return;
        }
        List<String> keywords = new ArrayList<>();
        for (Token t : tokens) {
            if (t.type() != TokenType.IDENT || keywords.size() == LEADING_KEYWORDS) {
                break;
            }
            keywords.add(t.value().toUpperCase(java.util.Locale.ROOT));
        }
        int start = tokens.get(0).start();
        int end = tokens.get(tokens.size() - 1).end();
        out.add(new LexedStatement(out.size(), start, end, List.copyOf(tokens), List.copyOf(keywords)));
    }
}
