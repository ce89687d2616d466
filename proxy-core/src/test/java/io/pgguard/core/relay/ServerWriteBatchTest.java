package io.pgguard.core.relay;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a pipelining client sends in one packet reaches the server in the same order and bytes, as few writes as
 * the messages allow: one for a run of unchanged messages, one more for each message PgGuard put in between.
 */
class ServerWriteBatchTest {
    private final ServerWriteBatch batch = new ServerWriteBatch();
    private EmbeddedChannel server;
    private ByteBuf received;

    @BeforeEach
    void open() {
        server = new EmbeddedChannel();
        // Bind, Execute and Sync of a prepared statement, back to back as one read delivers them.
        received = ByteBufAllocator.DEFAULT.directBuffer();
        received.writeBytes("B-bind-".getBytes(US_ASCII)).writeBytes("E-exec-".getBytes(US_ASCII))
                .writeBytes("S".getBytes(US_ASCII));
    }

    @AfterEach
    void close() {
        received.release();
        server.finishAndReleaseAll();
    }

    @Test
    void unchangedMessagesOfOneReadGoOutAsOneWrite() {
        batch.add(received.retainedSlice(0, 7));
        batch.add(received.retainedSlice(7, 7));
        batch.add(received.retainedSlice(14, 1));

        batch.writeTo(server, received);

        assertEquals(List.of("B-bind-E-exec-S"), written());
        assertTrue(batch.isEmpty());
    }

    @Test
    void aMessagePgGuardMadeSplitsTheRunAndKeepsItsPlace() {
        batch.add(received.retainedSlice(0, 7));
        batch.add(Unpooled.copiedBuffer("H", US_ASCII)); // e.g. the Flush sent after a write under a row cap
        batch.add(received.retainedSlice(7, 7));
        batch.add(received.retainedSlice(14, 1));

        batch.writeTo(server, received);

        assertEquals(List.of("B-bind-", "H", "E-exec-S"), written());
    }

    @Test
    void aRefusedMessageLeavesAGapThatIsNotBridged() {
        batch.add(received.retainedSlice(0, 7));
        // the Execute at 7..14 was replaced: its bytes must not reach the server
        batch.add(Unpooled.copiedBuffer("E-safe-", US_ASCII));
        batch.add(received.retainedSlice(14, 1));

        batch.writeTo(server, received);

        assertEquals(List.of("B-bind-", "E-safe-", "S"), written());
    }

    @Test
    void slicesOfDifferentReadsAreNotJoined() {
        ByteBuf nextRead = ByteBufAllocator.DEFAULT.directBuffer().writeBytes("S".getBytes(US_ASCII));
        batch.add(received.retainedSlice(0, 7));
        batch.add(nextRead.retainedSlice(0, 1));
        nextRead.release();

        batch.writeTo(server, received);

        assertEquals(List.of("B-bind-", "S"), written());
    }

    @Test
    void partsOutsideTheReceivedViewAreWrittenOneByOne() {
        ByteBuf laterView = received.slice(14, 1); // same memory, but only the Sync
        batch.add(received.retainedSlice(0, 7));
        batch.add(received.retainedSlice(7, 7));

        batch.writeTo(server, laterView);

        assertEquals(List.of("B-bind-", "E-exec-"), written());
        assertEquals(1, received.refCnt());
    }

    @Test
    void aLargeBatchAsksToBeWrittenBeforeTheReadEnds() {
        ByteBuf copyData = ByteBufAllocator.DEFAULT.directBuffer(ServerWriteBatch.MAX_HELD_BYTES);
        copyData.writeZero(ServerWriteBatch.MAX_HELD_BYTES);

        boolean writeNow = batch.add(copyData);

        assertTrue(writeNow);
        batch.writeTo(server, received);
        assertEquals(1, written().size());
    }

    @Test
    void releasingDropsEverythingHeld() {
        batch.add(received.retainedSlice(0, 7));
        assertEquals(2, received.refCnt());

        batch.release();

        assertEquals(1, received.refCnt());
        assertTrue(batch.isEmpty());
        assertNull(server.readOutbound());
    }

    private List<String> written() {
        server.flush();
        List<String> writes = new ArrayList<>();
        for (ByteBuf out; (out = server.readOutbound()) != null; ) {
            writes.add(out.toString(US_ASCII));
            out.release();
        }
        return writes;
    }
}
