package io.pgguard.core.protocol;

import io.netty.buffer.ByteBuf;

/** The fields of a server's ErrorResponse or NoticeResponse that PgGuard logs or matches on. */
public record ErrorFields(String severity, String sqlState, String message) {

    /** Decodes the body of an 'E' or 'N' message (the bytes after the length field). */
    public static ErrorFields decode(ByteBuf body) {
        String severity = null;
        String sqlState = null;
        String message = null;
        ByteBuf in = body.duplicate();
        while (in.isReadable()) {
            byte code = in.readByte();
            if (code == 0) {
                break;
            }
            String value = PgWire.readCString(in);
            switch (code) {
                case 'V' -> severity = value;
                case 'S' -> severity = severity == null ? value : severity;
                case 'C' -> sqlState = value;
                case 'M' -> message = value;
                default -> { }
            }
        }
        return new ErrorFields(severity, sqlState, message);
    }
}
