package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames the untyped packets that open a connection (Int32 length, then the body). PostgreSQL caps a startup
 * packet at 10000 bytes; so does this decoder, before it buffers anything.
 */
public final class StartupPacketDecoder extends ByteToMessageDecoder {
    public static final int MAX_STARTUP_PACKET = 10_000;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_PACKET) {
            throw discardAll(in, new ProtocolViolationException("invalid length of startup packet: " + length));
        }
        if (in.readableBytes() < length) {
            return;
        }
        StartupRequest request = StartupRequest.decode(in.readSlice(length));
        if ((request instanceof StartupRequest.SslRequest || request instanceof StartupRequest.GssEncRequest)
                && in.isReadable()) {
            // Bytes sent after an encryption request but before the handshake could be injected by a man in
            // the middle; PostgreSQL and PgBouncer refuse them too (CVE-2021-23214), with these messages.
            throw discardAll(in, new ProtocolViolationException(request instanceof StartupRequest.SslRequest
                    ? "received unencrypted data after SSL request"
                    : "received unencrypted data after GSSAPI encryption request"));
        }
        out.add(request);
    }

    /**
     * Drops what is left of the input before the violation is thrown: the connection is being closed, and bytes
     * left in the cumulation would be decoded once more when it closes, reporting the same violation twice.
     */
    static ProtocolViolationException discardAll(ByteBuf in, ProtocolViolationException violation) {
        in.skipBytes(in.readableBytes());
        return violation;
    }
}
