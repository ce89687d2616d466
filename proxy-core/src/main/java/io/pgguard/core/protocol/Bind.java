package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Bind ('B'), decoded only as far as the names: parameter values pass through untouched. */
public record Bind(String portalName, String statementName) {

    /** Names as {@link PgWire#readName} reads them in the session's client encoding. */
    public static Bind decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = body(message);
        String portal = PgWire.readName(body, encoding);
        return new Bind(portal, PgWire.readName(body, encoding));
    }

    /**
     * The parameter values of a Bind: as text, null for SQL NULL; {@code unread} holds the ones not read (their
     * value null too).
     */
    public record Parameters(List<String> values, BitSet unread) {
    }

    private static final int INT8 = 20;
    private static final int INT2 = 21;
    private static final int INT4 = 23;
    private static final int FLOAT8 = 701;
    private static final int NUMERIC = 1700;

    /**
     * Reads the parameter values, for the rare statement whose refusal they decide. Text is read byte for byte as
     * ISO-8859-1: the values asked about are digits, which every client encoding writes in ASCII, and any other
     * byte makes a value that is no number. A binary value of a parameter the Parse declared int2, int4 or int8
     * (pgjdbc's setInt and setLong) is given as its decimal text; other binary values are not read. Nor is any
     * value of a parameter the Parse declared as another type than those, numeric or float8 (left 0, the server
     * types it by its use): a float4, oid or xid holds an integer otherwise than the text says. Null when the
     * message does not hold what its counts say.
     */
    public static Parameters parameters(ByteBuf message, int[] declaredTypes) {
        ByteBuf body = body(message);
        try {
            skipCString(body);
            skipCString(body);
            int formatCount = body.readShort();
            short[] formats = new short[Math.max(formatCount, 0)];
            for (int i = 0; i < formats.length; i++) {
                formats[i] = body.readShort();
            }
            int count = body.readShort();
            if (formatCount < 0 || count < 0 || formatCount > 1 && formatCount != count) {
                return null;
            }
            List<String> values = new ArrayList<>(count);
            BitSet unread = new BitSet();
            for (int i = 0; i < count; i++) {
                int length = body.readInt();
                boolean isBinary = formatCount != 0 && formats[formatCount == 1 ? 0 : i] != 0;
                if (length < -1) {
                    return null;
                }
                if (length == -1) {
                    values.add(null);
                    continue;
                }
                int type = i < declaredTypes.length ? declaredTypes[i] : 0;
                String integer = isBinary ? binaryInteger(body, length, type) : null;
                if (integer != null) {
                    values.add(integer);
                } else if (isBinary || !readsIntegersExactly(type)) {
                    unread.set(i);
                    values.add(null);
                } else {
                    values.add(body.toString(body.readerIndex(), length, StandardCharsets.ISO_8859_1));
                }
                body.skipBytes(length);
            }
            return new Parameters(values, unread);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static boolean readsIntegersExactly(int type) {
        return type == 0 || type == INT2 || type == INT4 || type == INT8 || type == NUMERIC || type == FLOAT8;
    }

    private static String binaryInteger(ByteBuf body, int length, int type) {
        int at = body.readerIndex();
        if (type == INT2 && length == 2) {
            return Short.toString(body.getShort(at));
        }
        if (type == INT4 && length == 4) {
            return Integer.toString(body.getInt(at));
        }
        if (type == INT8 && length == 8) {
            return Long.toString(body.getLong(at));
        }
        return null;
    }

    private static ByteBuf body(ByteBuf message) {
        return message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
    }

    private static void skipCString(ByteBuf body) {
        int end = body.bytesBefore((byte) 0);
        if (end < 0) {
            throw new IndexOutOfBoundsException("unterminated name");
        }
        body.skipBytes(end + 1);
    }
}
