package io.pgguard.rules.classify;

import java.io.IOException;
import net.sf.jsqlparser.parser.Provider;

/**
 * The statement text as JSqlParser reads it. Its own StringProvider returns -1 at the end of the text, upon which
 * the parser's SimpleCharStream throws a new IOException, which the token manager takes as end of input: a stack
 * trace filled at the bottom of a deep recursive descent, several times per statement, about a twentieth of a
 * simple statement's parse. This provider throws one shared exception without a stack trace instead; the
 * character stream handles it the same way (its catch block backs up and rethrows).
 */
final class ParserTextProvider implements Provider {
    private static final IOException END_OF_TEXT = new IOException("end of statement text", null) {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private final String text;
    private int position;

    ParserTextProvider(String text) {
        this.text = text;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int left = text.length() - position;
        if (left == 0) {
            throw END_OF_TEXT;
        }
        int n = Math.min(length, left);
        text.getChars(position, position + n, buffer, offset);
        position += n;
        return n;
    }

    @Override
    public void close() {
    }
}
