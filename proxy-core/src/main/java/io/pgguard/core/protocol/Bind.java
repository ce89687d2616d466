package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;

/** Bind ('B'), decoded only as far as the names: parameter values pass through untouched. */
public record Bind(String portalName, String statementName) {

    /** Names as {@link PgWire#readName} reads them in the session's client encoding. */
    public static Bind decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        String portal = PgWire.readName(body, encoding);
        return new Bind(portal, PgWire.readName(body, encoding));
    }
}
