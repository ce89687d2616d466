package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;

/**
 * Shortens runs of constants before the text goes to JSqlParser, whose cost grows with every token and faster than
 * linearly with list length (a 10,000-value IN list took 250 ms; pgjdbc's 20-row rewritten batch insert spent most
 * of its 300 µs in the parser). A flat list of constants, "(1, 2, ..., n)", keeps its first {@link #KEEP} items,
 * and a run of such tuples, "VALUES (..), (..), ...", its first {@link #KEEP} tuples.
 * Constants have no effect the rules look at (no tables, no functions), so the facts are unchanged; row-cap
 * rewrite positions come from the original tokens, never from this text.
 */
final class LiteralListCompactor {
    static final int KEEP = 2;
    /** Shorter statements go to the parser as they are: scanning them would cost more than it saves. */
    static final int MIN_TOKENS = 32;

    private LiteralListCompactor() {
    }

    static List<Token> compact(List<Token> tokens) {
        if (tokens.size() < MIN_TOKENS) {
            return tokens;
        }
        List<Token> out = new ArrayList<>(tokens.size());
        int i = 0;
        while (i < tokens.size()) {
            int runEnd = compactTupleRun(tokens, i, out);
            if (runEnd > 0) {
                i = runEnd;
                continue;
            }
            Token t = tokens.get(i);
            out.add(t);
            if (t.type() == TokenType.LPAREN) {
                int listEnd = flatListEnd(tokens, i + 1);
                if (listEnd > 0 && items(tokens, i + 1, listEnd) > KEEP) {
                    copyItems(tokens, i + 1, listEnd, out);
                    i = listEnd; // the RPAREN is copied next
                    continue;
                }
            }
            i++;
        }
        return out;
    }

    private static boolean isConstant(Token t) {
        return t.type() == TokenType.NUMBER || t.type() == TokenType.STRING || t.type() == TokenType.PARAM
                || t.isKeyword("true") || t.isKeyword("false") || t.isKeyword("null") || t.isKeyword("default")
                || t.isOperator("-") || t.isOperator("+");
    }

    /** From {@code from} (just after '('), the index of the ')' closing a list of constants and commas, or -1. */
    private static int flatListEnd(List<Token> tokens, int from) {
        for (int k = from; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.type() == TokenType.RPAREN) {
                return k > from ? k : -1;
            }
            if (t.type() != TokenType.COMMA && !isConstant(t)) {
                return -1;
            }
        }
        return -1;
    }

    private static int items(List<Token> tokens, int from, int to) {
        int n = 1;
        for (int k = from; k < to; k++) {
            if (tokens.get(k).type() == TokenType.COMMA) {
                n++;
            }
        }
        return n;
    }

    private static void copyItems(List<Token> tokens, int from, int to, List<Token> out) {
        int kept = 0;
        for (int k = from; k < to; k++) {
            Token t = tokens.get(k);
            if (t.type() == TokenType.COMMA && ++kept == KEEP) {
                return;
            }
            out.add(t);
        }
    }

    /**
     * At a '(' that starts a run of more than KEEP flat tuples "(..), (..), ..." (a VALUES list): copies the first
     * KEEP tuples to {@code out} and returns the index after the run's last tuple; returns -1 (copying nothing)
     * when there is no such run here.
     */
    private static int compactTupleRun(List<Token> tokens, int i, List<Token> out) {
        List<int[]> tuples = new ArrayList<>();
        int k = i;
        while (k < tokens.size() && tokens.get(k).type() == TokenType.LPAREN) {
            int end = flatListEnd(tokens, k + 1);
            if (end < 0) {
                break;
            }
            tuples.add(new int[] {k, end});
            boolean more = end + 2 < tokens.size() && tokens.get(end + 1).type() == TokenType.COMMA
                    && tokens.get(end + 2).type() == TokenType.LPAREN;
            if (!more) {
                break;
            }
            k = end + 2;
        }
        if (tuples.size() <= KEEP) {
            return -1;
        }
        int lastKept = tuples.get(KEEP - 1)[1];
        out.addAll(tokens.subList(i, lastKept + 1));
        return tuples.get(tuples.size() - 1)[1] + 1;
    }
}
