package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;

/** Close ('C') and Describe ('D') share a body: 'S' for a statement or 'P' for a portal, then the name. */
public record CloseOrDescribe(byte target, String name) {
    public static final byte STATEMENT = 'S';
    public static final byte PORTAL = 'P';

    /** The name as {@link PgWire#readName} reads it in the session's client encoding. */
    public static CloseOrDescribe decode(ByteBuf message, ClientEncoding encoding) {
        ByteBuf body = message.slice(message.readerIndex() + PgWire.HEADER_LENGTH,
                message.readableBytes() - PgWire.HEADER_LENGTH);
        if (!body.isReadable()) {
            throw new ProtocolViolationException("Close/Describe message has no target");
        }
        byte target = body.readByte();
        if (target != STATEMENT && target != PORTAL) {
            throw new ProtocolViolationException("invalid Close/Describe target " + (char) target);
        }
        return new CloseOrDescribe(target, PgWire.readName(body, encoding));
    }

    public boolean isStatement() {
        return target == STATEMENT;
    }
}
