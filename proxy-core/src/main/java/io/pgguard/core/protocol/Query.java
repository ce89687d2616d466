package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/** Query ('Q'): a simple-protocol query string, possibly several statements. */
public record Query(String sql) {

    /** Decodes a whole framed message (type byte and length included). */
    public static Query decode(ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        return new Query(PgWire.readCString(body));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + ByteBufUtil.utf8MaxBytes(sql) + 1);
        int lengthIndex = PgWire.startMessage(buf, 'Q');
        PgWire.writeCString(buf, sql);
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }
}
