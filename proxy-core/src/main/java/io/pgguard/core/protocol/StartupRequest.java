package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The untyped first packets of a connection: a startup message, or a request for TLS, GSS encryption or a cancel. */
public sealed interface StartupRequest {

    record SslRequest() implements StartupRequest {}

    record GssEncRequest() implements StartupRequest {}

    /**
     * CancelRequest. The secret is kept as an int pair for protocol 3.0's 4-byte key; protocol 3.2 allows
     * longer keys, which PgGuard never hands out, so a longer key cannot be one of ours.
     */
    record CancelRequest(int processId, int secretKey, boolean standardLength) implements StartupRequest {}

    /** StartupMessage: protocol version and the parameters, in the client's order. */
    record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupRequest {
        public StartupMessage {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        public String user() {
            return parameters.get("user");
        }

        /** The database defaults to the user name, as PostgreSQL does. */
        public String database() {
            String db = parameters.get("database");
            return db == null || db.isEmpty() ? user() : db;
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf buf = alloc.buffer(128);
            buf.writeInt(0);
            buf.writeInt(protocolVersion);
            parameters.forEach((key, value) -> {
                PgWire.writeCString(buf, key);
                PgWire.writeCString(buf, value);
            });
            buf.writeByte(0);
            buf.setInt(0, buf.writerIndex());
            return buf;
        }
    }

    /** Decodes one whole startup packet, the length field included. */
    static StartupRequest decode(ByteBuf packet) {
        int length = packet.readInt();
        if (length < 8) {
            throw new ProtocolViolationException("invalid length of startup packet: " + length);
        }
        int code = packet.readInt();
        switch (code) {
            case PgWire.SSL_REQUEST_CODE:
                requireLength(length, 8, "SSLRequest");
                return new SslRequest();
            case PgWire.GSSENC_REQUEST_CODE:
                requireLength(length, 8, "GSSENCRequest");
                return new GssEncRequest();
            case PgWire.CANCEL_REQUEST_CODE:
                if (length < 16) {
                    throw new ProtocolViolationException("invalid length of CancelRequest: " + length);
                }
                return new CancelRequest(packet.readInt(), packet.readInt(), length == 16);
            default:
                return decodeStartupMessage(code, packet);
        }
    }

    private static StartupMessage decodeStartupMessage(int version, ByteBuf packet) {
        int major = version >>> 16;
        if (major != 3) {
            throw new ProtocolViolationException("unsupported frontend protocol " + major + "." + (version & 0xFFFF)
                    + ": server supports 3.0 to 3.2");
        }
        Map<String, String> params = new LinkedHashMap<>();
        while (packet.isReadable()) {
            String key = PgWire.readCString(packet);
            if (key.isEmpty()) {
                break;
            }
            if (!packet.isReadable()) {
                throw new ProtocolViolationException("startup parameter \"" + key + "\" has no value");
            }
            params.put(key, PgWire.readCString(packet));
        }
        if (params.get("user") == null || params.get("user").isEmpty()) {
            throw new ProtocolViolationException("no PostgreSQL user name specified in startup packet");
        }
        return new StartupMessage(version, params);
    }

    private static void requireLength(int length, int expected, String what) {
        if (length != expected) {
            throw new ProtocolViolationException("invalid length of " + what + ": " + length);
        }
    }
}
