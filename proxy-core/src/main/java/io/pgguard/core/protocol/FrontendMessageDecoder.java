package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames typed frontend messages (type byte, Int32 length, body) into retained slices of the whole message,
 * header included, so a message that is forwarded unchanged is never copied. The length is checked before a
 * single body byte is buffered.
 */
public final class FrontendMessageDecoder extends ByteToMessageDecoder {
    private final int maxMessageSize;
    /** The buffer the latest messages were sliced from; see {@link #lastInput()}. */
    private ByteBuf lastInput;

    public FrontendMessageDecoder(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        lastInput = in;
        while (in.readableBytes() >= PgWire.HEADER_LENGTH) {
            int start = in.readerIndex();
            byte type = in.getByte(start);
            int length = in.getInt(start + 1);
            if (!FrontendMessageType.isKnown(type)) {
                throw StartupPacketDecoder.discardAll(in,
                        new ProtocolViolationException("invalid frontend message type " + describe(type)));
            }
            if (length < 4) {
                throw StartupPacketDecoder.discardAll(in, new ProtocolViolationException(
                        "invalid message length " + length + " for message type " + describe(type)));
            }
            if (length > maxMessageSize) {
                throw StartupPacketDecoder.discardAll(in, new MessageTooLargeException("message of type "
                        + describe(type) + " is " + length + " bytes, over the limit of " + maxMessageSize));
            }
            if (in.readableBytes() < length + 1) {
                return;
            }
            out.add(in.retainedSlice(start, length + 1));
            in.skipBytes(length + 1);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        lastInput = null;
    }

    /**
     * The buffer the latest messages were sliced from, as the channel delivered it (leak-tracking wrapper
     * included). Messages of it that pass unchanged can go on as one slice of it, made through this very buffer so
     * that Netty's leak tracking follows the bytes. Only meaningful while a message sliced from it is unreleased.
     */
    public ByteBuf lastInput() {
        return lastInput;
    }

    static String describe(byte type) {
        return type >= 32 && type < 127 ? "'" + (char) type + "'" : "0x" + Integer.toHexString(type & 0xFF);
    }
}
