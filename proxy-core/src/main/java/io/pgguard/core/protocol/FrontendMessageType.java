package io.pgguard.core.protocol;

/** Type bytes of frontend messages after startup. */
public final class FrontendMessageType {
    public static final byte QUERY = 'Q';
    public static final byte PARSE = 'P';
    public static final byte BIND = 'B';
    public static final byte EXECUTE = 'E';
    public static final byte DESCRIBE = 'D';
    public static final byte CLOSE = 'C';
    public static final byte SYNC = 'S';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';
    public static final byte TERMINATE = 'X';
    /** PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse all share 'p'. */
    public static final byte PASSWORD = 'p';

    private static final boolean[] KNOWN = new boolean[128];

    static {
        for (byte b : new byte[] {QUERY, PARSE, BIND, EXECUTE, DESCRIBE, CLOSE, SYNC, FLUSH, FUNCTION_CALL,
                COPY_DATA, COPY_DONE, COPY_FAIL, TERMINATE, PASSWORD}) {
            KNOWN[b] = true;
        }
    }

    private FrontendMessageType() {}

    public static boolean isKnown(byte type) {
        return type > 0 && KNOWN[type];
    }
}
