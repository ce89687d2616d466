package io.pgguard.rules;

/**
 * Where a row-cap LIMIT can be put into the original text: replace [start, end) by {@code prefix + cap}. Offsets are
 * into the full query string (not the statement), found by the lexer, so comments and literals are never touched.
 */
public record RewriteSite(int start, int end, String prefix) {
}
