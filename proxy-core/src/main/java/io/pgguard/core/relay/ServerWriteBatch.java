package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;

/**
 * Frontend messages on their way to the server, held until the client's read is done. A pipelined client (pgjdbc,
 * libpq, pgbench) sends Bind, Describe, Execute and Sync in one packet; they pass unchanged, as slices lying back
 * to back in the received buffer. Such a run goes out as one slice: one outbound entry and one send(2) instead of
 * one entry per message and a writev. Messages PgGuard made or rewrote break the run and go out on their own, in
 * order.
 */
final class ServerWriteBatch {
    /** Held bytes above which the batch is written at once, so a COPY stream is not held for a whole read loop. */
    static final int MAX_HELD_BYTES = 64 * 1024;

    private final ArrayList<ByteBuf> parts = new ArrayList<>(8);
    private int heldBytes;

    /** Takes ownership of {@code message}. Returns whether the batch should be written now. */
    boolean add(ByteBuf message) {
        parts.add(message);
        heldBytes += message.readableBytes();
        return heldBytes >= MAX_HELD_BYTES;
    }

    boolean isEmpty() {
        return parts.isEmpty();
    }

    /** Writes what is held to {@code server}, unflushed, joining contiguous runs; the batch is empty afterwards. */
    void writeTo(Channel server) {
        int n = parts.size();
        int i = 0;
        while (i < n) {
            int end = i + 1;
            while (end < n && follows(parts.get(end - 1), parts.get(end))) {
                end++;
            }
            server.write(end - i == 1 ? parts.get(i) : join(i, end), server.voidPromise());
            i = end;
        }
        clear();
    }

    /** Releases what is held; for a server that is gone. */
    void release() {
        for (int i = 0, n = parts.size(); i < n; i++) {
            parts.get(i).release();
        }
        clear();
    }

    private void clear() {
        parts.clear();
        heldBytes = 0;
    }

    /** One slice over parts [from, to), which lie back to back in one buffer; the parts are released. */
    private ByteBuf join(int from, int to) {
        ByteBuf first = parts.get(from);
        ByteBuf parent = first.unwrap();
        int length = 0;
        for (int i = from; i < to; i++) {
            length += parts.get(i).readableBytes();
        }
        ByteBuf joined = parent.retainedSlice(offsetIn(parent, first), length);
        for (int i = from; i < to; i++) {
            parts.get(i).release();
        }
        return joined;
    }

    /** Whether {@code next} starts where {@code previous} ends, in the same buffer. */
    private static boolean follows(ByteBuf previous, ByteBuf next) {
        ByteBuf parent = previous.unwrap();
        if (parent == null || next.unwrap() != parent) {
            return false;
        }
        if (previous.hasMemoryAddress() && next.hasMemoryAddress() && parent.hasMemoryAddress()) {
            return previous.memoryAddress() + previous.writerIndex() == next.memoryAddress() + next.readerIndex();
        }
        if (previous.hasArray() && next.hasArray() && parent.hasArray() && previous.array() == next.array()) {
            return previous.arrayOffset() + previous.writerIndex() == next.arrayOffset() + next.readerIndex();
        }
        return false;
    }

    /** The index in {@code parent} of the first readable byte of {@code slice}; {@link #follows} vouched for both. */
    private static int offsetIn(ByteBuf parent, ByteBuf slice) {
        if (slice.hasMemoryAddress() && parent.hasMemoryAddress()) {
            return (int) (slice.memoryAddress() + slice.readerIndex() - parent.memoryAddress());
        }
        return slice.arrayOffset() + slice.readerIndex() - parent.arrayOffset();
    }
}
