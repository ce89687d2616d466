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

    public ByteBuf encodeError(ByteBufAllocator alloc) {
        return encode(alloc, 'E');
    }

    public ByteBuf encodeNotice(ByteBufAllocator alloc) {
        return encode(alloc, 'N');
    }

    private ByteBuf encode(ByteBufAllocator alloc, char type) {
        ByteBuf buf = alloc.buffer(64 + message.length());
        int lengthIndex = PgWire.startMessage(buf, type);
        field(buf, 'S', severity);
        field(buf, 'V', severity);
        field(buf, 'C', sqlState);
        field(buf, 'M', message);
        field(buf, 'D', detail);
        field(buf, 'H', hint);
        buf.writeByte(0);
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }

    private static void field(ByteBuf buf, char code, String value) {
        if (value != null) {
            buf.writeByte(code);
            PgWire.writeCString(buf, value);
        }
    }
}
