package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Parse ('P'): names a statement and gives its text. A rewritten Parse takes the name and the parameter type OIDs
 * from the client's message as they are, whatever the client encoding.
 *
 * @param statementName  the name as {@link PgWire#readName} reads it
 * @param textOffset     where the text starts, from the message's reader index (the name ends just before)
 * @param parameterTypes the bytes after the text: a slice of the message
 */
public record Parse(String statementName, String sql, int textOffset, ByteBuf parameterTypes) {

    /**
     * Decodes a whole framed message in the session's client encoding; the slices are valid while the message is.
     */
    public static Parse decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        String name = PgWire.readName(body, encoding);
        int textOffset = PgWire.HEADER_LENGTH + body.readerIndex();
        String sql = PgWire.readCString(body, encoding);
        if (body.readableBytes() < 2) {
            throw new ProtocolViolationException("Parse message has no parameter count");
        }
        return new Parse(name, sql, textOffset, body.slice());
    }

    /**
     * The parameter type OIDs the client declared (0 where it left the type to the server); none when the message
     * holds fewer than its count says, which the server refuses.
     */
    public int[] parameterTypeOids() {
        int count = parameterTypes.getShort(parameterTypes.readerIndex());
        if (count < 0 || parameterTypes.readableBytes() < 2 + 4 * count) {
            return new int[0];
        }
        int[] oids = new int[count];
        for (int i = 0; i < count; i++) {
            oids[i] = parameterTypes.getInt(parameterTypes.readerIndex() + 2 + 4 * i);
        }
        return oids;
    }

    /**
     * Encodes a Parse with the name and parameter types of {@code original} (the message this was decoded from)
     * but another text, in the session's client encoding.
     */
    public ByteBuf encodeWithText(ByteBufAllocator alloc, ByteBuf original, String newSql, ClientEncoding encoding) {
        int nameLength = textOffset - PgWire.HEADER_LENGTH; // terminator included
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + nameLength + PgWire.maxBytes(newSql) + 1
                + parameterTypes.readableBytes());
        int lengthIndex = PgWire.startMessage(buf, 'P');
        buf.writeBytes(original, original.readerIndex() + PgWire.HEADER_LENGTH, nameLength);
        PgWire.writeCString(buf, newSql, encoding);
        buf.writeBytes(parameterTypes, parameterTypes.readerIndex(), parameterTypes.readableBytes());
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }
}
