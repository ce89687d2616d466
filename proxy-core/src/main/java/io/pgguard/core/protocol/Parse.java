package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Parse ('P'): names a statement and gives its text. The name and the parameter type OIDs are kept as the raw
 * bytes of the message too, so a rewritten Parse carries them unchanged, whatever the client encoding.
 *
 * @param statementName  the name as {@link PgWire#readName} reads it
 * @param nameBytes      the name as the client sent it, terminator included: a slice of the message
 * @param textOffset     where the text starts, from the message's reader index
 * @param parameterTypes the bytes after the text: a slice of the message
 */
public record Parse(String statementName, String sql, ByteBuf nameBytes, int textOffset, ByteBuf parameterTypes) {

    /**
     * Decodes a whole framed message in the session's client encoding; the slices are valid while the message is.
     */
    public static Parse decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        String name = PgWire.readName(body, encoding);
        ByteBuf nameBytes = body.slice(0, body.readerIndex());
        int textOffset = PgWire.HEADER_LENGTH + body.readerIndex();
        String sql = PgWire.readCString(body, encoding);
        if (body.readableBytes() < 2) {
            throw new ProtocolViolationException("Parse message has no parameter count");
        }
        return new Parse(name, sql, nameBytes, textOffset, body.slice());
    }

    /** Encodes a Parse with the same name and parameter types but another text, in the session's client encoding. */
    public ByteBuf encodeWithText(ByteBufAllocator alloc, String newSql, ClientEncoding encoding) {
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + nameBytes.readableBytes() + PgWire.maxBytes(newSql) + 1
                + parameterTypes.readableBytes());
        int lengthIndex = PgWire.startMessage(buf, 'P');
        buf.writeBytes(nameBytes, nameBytes.readerIndex(), nameBytes.readableBytes());
        PgWire.writeCString(buf, newSql, encoding);
        buf.writeBytes(parameterTypes, parameterTypes.readerIndex(), parameterTypes.readableBytes());
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }
}
