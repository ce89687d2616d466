package io.pgguard.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Bind: portal name, statement name, the count of parameter format codes (0: all text, 1: one for all, or one per
 * parameter) and the codes, the count of parameters and each value (length -1 for NULL), then the result formats.
 */
class BindParametersTest {
    private static final int INT2 = 21;
    private static final int INT4 = 23;
    private static final int INT8 = 20;

    private static ByteBuf bind(short[] formats, byte[]... values) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte('B').writeInt(0);
        b.writeBytes("portal\0stmt\0".getBytes(StandardCharsets.US_ASCII));
        b.writeShort(formats.length);
        for (short f : formats) {
            b.writeShort(f);
        }
        b.writeShort(values.length);
        for (byte[] v : values) {
            if (v == null) {
                b.writeInt(-1);
            } else {
                b.writeInt(v.length).writeBytes(v);
            }
        }
        b.writeShort(0); // result formats
        b.setInt(1, b.readableBytes() - 1);
        return b;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void noFormatCodesMeansEveryValueIsText() {
        ByteBuf message = bind(new short[0], text("0"), null, text(" 42 "));
        try {
            Bind.Parameters p = Bind.parameters(message, new int[0]);
            assertEquals(Arrays.asList("0", null, " 42 "), p.values());
            assertTrue(p.unread().isEmpty());
        } finally {
            message.release();
        }
    }

    @Test
    void binaryIntegersOfDeclaredTypesReadAsTheirDecimalText() {
        ByteBuf message = bind(new short[] {1}, new byte[] {0, 0, 0, 7}, new byte[] {(byte) 0xFF, (byte) 0xFE},
                new byte[] {0, 0, 0, 0, 0, 0, 1, 0}, new byte[] {0, 0, 0, 1});
        try {
            Bind.Parameters p = Bind.parameters(message, new int[] {INT4, INT2, INT8, 0});
            assertEquals(Arrays.asList("7", "-2", "256", null), p.values());
            assertFalse(p.unread().get(0));
            assertTrue(p.unread().get(3), "a binary value of a type the Parse left to the server stays unread");
        } finally {
            message.release();
        }
    }

    /** float4 rounds 16777217, oid reads -1 as 4294967295: only the text of untyped, integer, numeric, float8. */
    @Test
    void textOfAParameterDeclaredAnotherTypeIsNotRead() {
        ByteBuf message = bind(new short[0], text("16777217"), text("-1"), text("7"), text("8"), text("9"));
        try {
            Bind.Parameters p = Bind.parameters(message, new int[] {700, 26, 1700, 701, 0});
            assertEquals(Arrays.asList(null, null, "7", "8", "9"), p.values());
            assertTrue(p.unread().get(0) && p.unread().get(1));
            assertFalse(p.unread().get(2) || p.unread().get(3) || p.unread().get(4));
        } finally {
            message.release();
        }
    }

    @Test
    void oneFormatCodePerParameter() {
        ByteBuf message = bind(new short[] {0, 1}, text("1"), new byte[] {0, 0, 0, 0, 0, 0, 0, 9});
        try {
            Bind.Parameters p = Bind.parameters(message, new int[] {0, INT4});
            assertEquals("1", p.values().get(0));
            assertTrue(p.unread().get(1), "8 bytes are no int4");
        } finally {
            message.release();
        }
    }

    @Test
    void aBindShorterThanItsCountsIsUnreadable() {
        ByteBuf message = bind(new short[0], text("12345"));
        ByteBuf cut = message.slice(0, message.readableBytes() - 5);
        try {
            assertNull(Bind.parameters(cut, new int[0]));
            ByteBuf mismatched = bind(new short[] {0, 0, 0}, text("1"));
            try {
                assertNull(Bind.parameters(mismatched, new int[0]), "three format codes for one value");
            } finally {
                mismatched.release();
            }
        } finally {
            message.release();
        }
    }
}
