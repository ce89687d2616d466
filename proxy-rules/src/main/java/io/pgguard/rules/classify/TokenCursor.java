package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;

/** A read position over one statement's tokens, for the keyword-driven (lexer fallback) classification. */
final class TokenCursor {
    final List<Token> tokens;
    int i;

    TokenCursor(List<Token> tokens, int start) {
        this.tokens = tokens;
        this.i = start;
    }

    boolean atEnd() {
        return i >= tokens.size();
    }

    Token peek() {
        return atEnd() ? null : tokens.get(i);
    }

    Token peek(int ahead) {
        return i + ahead < tokens.size() ? tokens.get(i + ahead) : null;
    }

    boolean peekKeyword(String... words) {
        Token t = peek();
        if (t == null) {
            return false;
        }
        for (String w : words) {
            if (t.isKeyword(w)) {
                return true;
            }
        }
        return false;
    }

    /** Consumes the keyword if it is next. */
    boolean accept(String keyword) {
        if (peekKeyword(keyword)) {
            i++;
            return true;
        }
        return false;
    }

    /** Consumes a sequence of keywords only if all of them are next. */
    boolean acceptAll(String... keywords) {
        for (int k = 0; k < keywords.length; k++) {
            Token t = peek(k);
            if (t == null || !t.isKeyword(keywords[k])) {
                return false;
            }
        }
        i += keywords.length;
        return true;
    }

    /** A name token's value: identifier, quoted identifier, or (for role names) a string constant. */
    String name() {
        Token t = peek();
        if (t != null && (t.type() == TokenType.IDENT || t.type() == TokenType.QUOTED_IDENT || t.type() == TokenType.STRING)) {
            i++;
            return t.value();
        }
        return null;
    }

    /** A possibly schema-qualified name: [schema .] name; returns {schema or null, name} or null. */
    String[] qualifiedName() {
        Token first = peek();
        if (first == null || (first.type() != TokenType.IDENT && first.type() != TokenType.QUOTED_IDENT)) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        parts.add(first.value());
        i++;
        while (peek() != null && peek().type() == TokenType.DOT && peek(1) != null
                && (peek(1).type() == TokenType.IDENT || peek(1).type() == TokenType.QUOTED_IDENT)) {
            parts.add(peek(1).value());
            i += 2;
        }
        String name = parts.get(parts.size() - 1);
        String schema = parts.size() >= 2 ? parts.get(parts.size() - 2) : null;
        return new String[] {schema, name};
    }

    /** Index of the matching closing parenthesis for the '(' at {@code open}, or -1. */
    int matchingParen(int open) {
        int depth = 0;
        for (int k = open; k < tokens.size(); k++) {
            TokenType t = tokens.get(k).type();
            if (t == TokenType.LPAREN) {
                depth++;
            } else if (t == TokenType.RPAREN && --depth == 0) {
                return k;
            }
        }
        return -1;
    }

    /** Index of the first top-level (depth 0) keyword at or after the cursor, or -1. */
    int findTopLevel(String keyword) {
        int depth = 0;
        for (int k = i; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.type() == TokenType.LPAREN || t.type() == TokenType.LBRACKET) {
                depth++;
            } else if (t.type() == TokenType.RPAREN || t.type() == TokenType.RBRACKET) {
                depth--;
            } else if (depth == 0 && t.isKeyword(keyword)) {
                return k;
            }
        }
        return -1;
    }

    List<Token> rest() {
        return tokens.subList(Math.min(i, tokens.size()), tokens.size());
    }
}
