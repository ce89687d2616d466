package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgguard.core.protocol.PgWire;
import java.util.ArrayList;
import java.util.List;

/**
 * Channel binding ties SCRAM to the TLS session it runs in, and each leg of a proxied connection has its own
 * session: a client's -PLUS proof over the client leg can never verify on the server leg. So the server's offer is
 * passed on without the -PLUS mechanisms; a client that insists on channel binding then stops with libpq's clear
 * "server did not offer channel binding" error instead of failing obscurely mid-handshake.
 */
final class ScramMechanisms {
    private ScramMechanisms() {}

    /** Rewrites an AuthenticationSASL body (Int32 10, mechanism names, empty name) into a whole 'R' message. */
    static ByteBuf withoutChannelBinding(ByteBuf body, ByteBufAllocator alloc) {
        ByteBuf in = body.duplicate();
        int code = in.readInt();
        List<String> kept = new ArrayList<>();
        while (in.isReadable()) {
            String mechanism = PgWire.readCString(in);
            if (mechanism.isEmpty()) {
                break;
            }
            if (!mechanism.endsWith("-PLUS")) {
                kept.add(mechanism);
            }
        }
        ByteBuf out = alloc.buffer(64);
        int lengthIndex = PgWire.startMessage(out, 'R');
        out.writeInt(code);
        kept.forEach(m -> PgWire.writeCString(out, m));
        out.writeByte(0);
        PgWire.finishMessage(out, lengthIndex);
        return out;
    }
}
