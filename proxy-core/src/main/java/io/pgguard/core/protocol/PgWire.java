package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/** Primitive encodings of the PostgreSQL v3 protocol: null-terminated strings and message framing. */
public final class PgWire {
    /** Protocol 3.0 as sent in the StartupMessage. */
    public static final int PROTOCOL_3_0 = 196608;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int GSSENC_REQUEST_CODE = 80877104;
    public static final int CANCEL_REQUEST_CODE = 80877102;
    /** Bytes of a message header: one type byte plus the Int32 length. */
    public static final int HEADER_LENGTH = 5;

    private PgWire() {}

    /** Reads a null-terminated UTF-8 string and advances the reader index past the terminator. */
    public static String readCString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("string is not null-terminated");
        }
        String value = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return value;
    }

    /**
     * Reads a null-terminated text in the session's client encoding, split into characters as the server splits
     * it, and advances the reader index past the terminator.
     */
    public static String readCString(ByteBuf buf, ClientEncoding encoding) {
        if (encoding.isUtf8()) {
            return readCString(buf);
        }
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("string is not null-terminated");
        }
        String value = encoding.decode(buf, buf.readerIndex(), end - buf.readerIndex());
        buf.readerIndex(end + 1);
        return value;
    }

    /**
     * Reads the null-terminated name of a statement or portal. PgGuard only compares names: as UTF-8 in UTF8 (the
     * server refuses invalid UTF-8), otherwise one char per byte, which keeps every byte apart (under rules the
     * relay refuses a name that is not ASCII there).
     */
    public static String readName(ByteBuf buf, ClientEncoding encoding) {
        if (encoding.isUtf8()) {
            return readCString(buf);
        }
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("string is not null-terminated");
        }
        String value = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.ISO_8859_1);
        buf.readerIndex(end + 1);
        return value;
    }

    /** Skips a null-terminated string without decoding it. */
    public static void skipCString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("string is not null-terminated");
        }
        buf.readerIndex(end + 1);
    }

    public static void writeCString(ByteBuf buf, String value) {
        ByteBufUtil.writeUtf8(buf, value);
        buf.writeByte(0);
    }

    /** Writes {@code value} in the session's client encoding; the caller made sure every character has bytes in it. */
    public static void writeCString(ByteBuf buf, String value, ClientEncoding encoding) {
        if (encoding.isUtf8()) {
            writeCString(buf, value);
            return;
        }
        byte[] bytes = encoding.encode(value);
        if (bytes == null) {
            throw new IllegalStateException("text has characters client_encoding " + encoding + " lacks");
        }
        buf.writeBytes(bytes).writeByte(0);
    }

    /** The most bytes {@code value} takes in any client encoding PostgreSQL has (four per UTF-16 unit). */
    public static int maxBytes(String value) {
        return ByteBufUtil.utf8MaxBytes(value) + value.length();
    }

    /** Starts a typed message; returns the index of its length field for {@link #finishMessage}. */
    public static int startMessage(ByteBuf buf, char type) {
        buf.writeByte(type);
        int lengthIndex = buf.writerIndex();
        buf.writeInt(0);
        return lengthIndex;
    }

    public static void finishMessage(ByteBuf buf, int lengthIndex) {
        buf.setInt(lengthIndex, buf.writerIndex() - lengthIndex);
    }
}
