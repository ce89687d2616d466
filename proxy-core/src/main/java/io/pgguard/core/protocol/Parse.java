package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * Parse ('P'): names a statement and gives its text. The parameter type OIDs are kept as the raw bytes that
 * follow the text, so a rewritten Parse carries them unchanged.
 */
public record Parse(String statementName, String sql, ByteBuf parameterTypes) {

    /** Decodes a whole framed message; {@code parameterTypes} is a slice of it, valid while it is. */
    public static Parse decode(ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        String name = PgWire.readCString(body);
        String sql = PgWire.readCString(body);
        if (body.readableBytes() < 2) {
            throw new ProtocolViolationException("Parse message has no parameter count");
        }
        return new Parse(name, sql, body.slice());
    }

    /** Encodes a Parse with the same name and parameter types but another text. */
    public ByteBuf encodeWithText(ByteBufAllocator alloc, String newSql) {
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + statementName.length() + ByteBufUtil.utf8MaxBytes(newSql)
                + 2 + parameterTypes.readableBytes());
        int lengthIndex = PgWire.startMessage(buf, 'P');
        PgWire.writeCString(buf, statementName);
        PgWire.writeCString(buf, newSql);
        buf.writeBytes(parameterTypes, parameterTypes.readerIndex(), parameterTypes.readableBytes());
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }
}
