package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * An error or notice PgGuard sends to a client, encoded as ErrorResponse ('E') or NoticeResponse ('N').
 * Fields follow the protocol's field codes: S/V severity, C SQLSTATE, M message, D detail, H hint.
 */
public record PgError(String severity, String sqlState, String message, String detail, String hint) {

    public static PgError error(String sqlState, String message) {
        return new PgError("ERROR", sqlState, message, null, null);
    }

    public static PgError fatal(String sqlState, String message) {
        return new PgError("FATAL", sqlState, message, null, null);
    }

    public static PgError notice(String message) {
        return new PgError("NOTICE", "00000", message, null, null);
    }

    public PgError withDetail(String newDetail) {
        return new PgError(severity, sqlState, message, newDetail, hint);
    }

    /**
     * In the session's client encoding, as the server sends its own messages: names echoed in a message (a table
     * a rule refused, a prepared statement) read as the client wrote them.
     */
    public ByteBuf encodeError(ByteBufAllocator alloc, ClientEncoding encoding) {
        return encode(alloc, 'E', encoding);
    }

    public ByteBuf encodeNotice(ByteBufAllocator alloc, ClientEncoding encoding) {
        return encode(alloc, 'N', encoding);
    }

    private ByteBuf encode(ByteBufAllocator alloc, char type, ClientEncoding encoding) {
        ByteBuf buf = alloc.buffer(64 + message.length());
        int lengthIndex = PgWire.startMessage(buf, type);
        field(buf, 'S', severity, encoding);
        field(buf, 'V', severity, encoding);
        field(buf, 'C', sqlState, encoding);
        field(buf, 'M', message, encoding);
        field(buf, 'D', detail, encoding);
        field(buf, 'H', hint, encoding);
        buf.writeByte(0);
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }

    private static void field(ByteBuf buf, char code, String value, ClientEncoding encoding) {
        if (value != null) {
            buf.writeByte(code);
            if (encoding.isUtf8() || isAscii(value)) {
                PgWire.writeCString(buf, value);
            } else {
                buf.writeBytes(inEncoding(value, encoding)).writeByte(0);
            }
        }
    }

    /** value's bytes in encoding; a character the encoding lacks becomes '?' (a message must not be lost to it). */
    private static byte[] inEncoding(String value, ClientEncoding encoding) {
        byte[] whole = encoding.encode(value);
        if (whole != null) {
            return whole;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(value.length() + 8);
        value.codePoints().forEach(c -> {
            byte[] one = encoding.encode(new String(Character.toChars(c)));
            out.writeBytes(one != null ? one : new byte[] {'?'});
        });
        return out.toByteArray();
    }

    private static boolean isAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
