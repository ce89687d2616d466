package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** BackendKeyData ('K'): the process id and secret a client needs to cancel its query. */
public record BackendKeyData(int processId, byte[] secretKey) {

    public static BackendKeyData decodeBody(ByteBuf body) {
        int pid = body.readInt();
        byte[] secret = new byte[body.readableBytes()];
        body.readBytes(secret);
        return new BackendKeyData(pid, secret);
    }

    public static ByteBuf encode(ByteBufAllocator alloc, int processId, int secretKey) {
        ByteBuf buf = alloc.buffer(13);
        buf.writeByte('K').writeInt(12).writeInt(processId).writeInt(secretKey);
        return buf;
    }

    /** A CancelRequest packet for this key, sent on a fresh connection to the server that issued it. */
    public ByteBuf encodeCancelRequest(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(12 + secretKey.length);
        buf.writeInt(12 + secretKey.length).writeInt(PgWire.CANCEL_REQUEST_CODE).writeInt(processId)
                .writeBytes(secretKey);
        return buf;
    }
}
