package io.pgguard.rules.lex;

import java.util.List;

/**
 * One statement of a multi-statement string: its tokens, its span in the original text (first token start to last
 * token end, so leading/trailing comments are outside it) and its leading keywords (uppercased), for the fallback.
 */
public record LexedStatement(int index, int start, int end, List<Token> tokens, List<String> leadingKeywords) {

    public String text(String source) {
        return source.substring(start, end);
    }

    public String keyword(int i) {
        return i < leadingKeywords.size() ? leadingKeywords.get(i) : "";
    }
}
