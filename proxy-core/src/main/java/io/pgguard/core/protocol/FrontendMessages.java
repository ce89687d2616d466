package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Encoders for the frontend messages PgGuard itself sends to a server. */
public final class FrontendMessages {
    private FrontendMessages() {}

    /** Parse of {@code sql} into statement {@code name}, with no parameter types, in UTF-8 (PgGuard's own texts). */
    public static ByteBuf parse(ByteBufAllocator alloc, String name, String sql) {
        return parse(alloc, name, sql, ClientEncoding.UTF8);
    }

    /** Parse of a client's {@code sql} into statement {@code name}, in the session's client encoding. */
    public static ByteBuf parse(ByteBufAllocator alloc, String name, String sql, ClientEncoding encoding) {
        ByteBuf buf = alloc.buffer(PgWire.HEADER_LENGTH + name.length() + PgWire.maxBytes(sql) + 4);
        int lengthIndex = PgWire.startMessage(buf, 'P');
        PgWire.writeCString(buf, name);
        PgWire.writeCString(buf, sql, encoding);
        buf.writeShort(0);
        PgWire.finishMessage(buf, lengthIndex);
        return buf;
    }

    /** Bind of the unnamed portal to the unnamed statement: no parameters, text results. */
    public static ByteBuf bindUnnamed(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(13);
        return buf.writeByte('B').writeInt(12).writeByte(0).writeByte(0).writeShort(0).writeShort(0).writeShort(0);
    }

    public static ByteBuf describeUnnamedPortal(ByteBufAllocator alloc) {
        return alloc.buffer(7).writeByte('D').writeInt(6).writeByte('P').writeByte(0);
    }

    /** Execute of the unnamed portal, all rows. */
    public static ByteBuf executeUnnamed(ByteBufAllocator alloc) {
        return alloc.buffer(10).writeByte('E').writeInt(9).writeByte(0).writeInt(0);
    }

    public static ByteBuf sync(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('S').writeInt(4);
    }

    public static ByteBuf flush(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('H').writeInt(4);
    }
}
