package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Query ('Q'): a simple-protocol query string, possibly several statements. */
public record Query(String sql) {

    /** Decodes a whole framed message (type byte and length included) in the session's client encoding. */
    public static Query decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        return new Query(PgWire.readCString(body, encoding));
    }

    /** Encodes the text in UTF-8 (PgGuard's own questions and refusals, which are ASCII). */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return encode(alloc, ClientEncoding.UTF8);
    }

    public ByteBuf encode(ByteBufAllocator alloc, ClientEncoding encoding) {
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + PgWire.maxBytes(sql) + 1);
        int lengthIndex = PgWire.startMessage(buf, 'Q');
        PgWire.writeCString(buf, sql, encoding);
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }
}
