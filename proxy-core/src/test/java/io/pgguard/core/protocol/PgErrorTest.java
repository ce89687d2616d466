package io.pgguard.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * ErrorResponse ('E') and NoticeResponse ('N') as the protocol documents them: the type byte, an Int32 length that
 * counts itself, then fields of one code byte and a null-terminated string, ended by a zero byte; the strings in
 * the client's encoding, as the server sends its own.
 */
class PgErrorTest {
    private static final PgError REFUSAL = new PgError("ERROR", "42501", "SELECT on café.t is not granted", "for 用户",
            null);

    @Test
    void anErrorIsItsFieldsInOrderAfterTypeAndLength() {
        ByteBuf buf = PgError.error("08P01", "bad message").encodeError(UnpooledByteBufAllocator.DEFAULT,
                ClientEncoding.UTF8);
        try {
            byte[] expected = message('E', "SERROR", "VERROR", "C08P01", "Mbad message");
            assertArrayEquals(expected, ByteBufUtil.getBytes(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void textsAreInTheClientEncoding() {
        ByteBuf buf = REFUSAL.encodeNotice(UnpooledByteBufAllocator.DEFAULT, ClientEncoding.forName("LATIN1"));
        try {
            byte[] bytes = ByteBufUtil.getBytes(buf);
            assertEquals('N', bytes[0]);
            String fields = new String(bytes, 5, bytes.length - 5, StandardCharsets.ISO_8859_1);
            // é is the one LATIN1 byte 0xE9; 用户 has no LATIN1 bytes and becomes "??", the rest of the message kept.
            assertEquals("SERROR\0VERROR\0C42501\0MSELECT on caf\u00e9.t is not granted\0Dfor ??\0\0", fields);
        } finally {
            buf.release();
        }
    }

    @Test
    void aMultibyteEncodingKeepsWholeCharactersAndReplacesOnlyWhatItLacks() {
        PgError error = new PgError("ERROR", "42501", "表 \uD83D\uDE00 é", null, null); // 😀: a surrogate pair in Java
        ByteBuf buf = error.encodeError(UnpooledByteBufAllocator.DEFAULT, ClientEncoding.forName("SJIS"));
        try {
            byte[] bytes = ByteBufUtil.getBytes(buf);
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            m.write('M');
            m.writeBytes(new byte[] {(byte) 0x95, 0x5C, ' ', '?', ' ', '?', 0}); // 表 in SJIS; 😀 and é lacking
            String all = new String(bytes, StandardCharsets.ISO_8859_1);
            assertTrue(all.contains(new String(m.toByteArray(), StandardCharsets.ISO_8859_1)), all);
        } finally {
            buf.release();
        }
    }

    private static byte[] message(char type, String... fields) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String field : fields) {
            body.writeBytes(field.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        body.write(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        int length = body.size() + 4;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}
