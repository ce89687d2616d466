package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;

/** Bind ('B'), decoded only as far as the names: parameter values pass through untouched. */
public record Bind(String portalName, String statementName) {

    public static Bind decode(ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        String portal = PgWire.readCString(body);
        return new Bind(portal, PgWire.readCString(body));
    }
}
