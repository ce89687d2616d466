package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;

/**
 * Frontend messages on their way to the server, held until the next flush to it (the end of the client's read, or
 * the release of messages held behind a capped write). A pipelined client (pgjdbc,
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

    /**
     * Writes what is held to {@code server}, unflushed; the batch is empty afterwards. Runs of parts that lie back
     * to back in {@code received} (the buffer they were sliced from, or null) go out as one slice of it.
     */
    void writeTo(Channel server, ByteBuf received) {
        int n = parts.size();
        ByteBuf receivedRoot = received == null ? null : root(received);
        try {
            int i = 0;
            while (i < n) {
                int end = i + 1;
                while (end < n && follows(receivedRoot, parts.get(end - 1), parts.get(end))) {
                    end++;
                }
                ByteBuf joined = end - i == 1 ? null : join(received, i, end);
                if (joined != null) {
                    server.write(joined, server.voidPromise());
                } else {
                    for (int k = i; k < end; k++) {
                        server.write(handOver(k), server.voidPromise());
                    }
                }
                i = end;
            }
        } finally {
            release(); // nothing, unless a write threw: then what was not handed over yet
        }
    }

    /** Releases what is held; for a server that is gone. */
    void release() {
        for (int i = 0, n = parts.size(); i < n; i++) {
            ByteBuf part = parts.get(i);
            if (part != null) {
                part.release();
            }
        }
        clear();
    }

    /** Takes part {@code i} out of the batch, so whatever happens next it is not released twice. */
    private ByteBuf handOver(int i) {
        return parts.set(i, null);
    }

    private void clear() {
        parts.clear();
        heldBytes = 0;
    }

    /**
     * One slice of {@code received} over parts [from, to), which are released; or null, parts untouched, when
     * they are not within {@code received} (a view of only part of the memory they share). Made through
     * {@code received} itself, not the memory's owner below it, so a leak-tracked buffer's tracker sees the last
     * release.
     */
    private ByteBuf join(ByteBuf received, int from, int to) {
        int length = 0;
        for (int i = from; i < to; i++) {
            length += parts.get(i).readableBytes();
        }
        long offset = offsetIn(received, parts.get(from));
        if (offset < 0 || offset + length > received.capacity()) {
            return null;
        }
        ByteBuf joined = received.retainedSlice((int) offset, length);
        for (int i = from; i < to; i++) {
            handOver(i).release();
        }
        return joined;
    }

    /**
     * Whether {@code next} starts where {@code previous} ends, both in the memory owned by {@code receivedRoot}.
     * Both hold a reference to that owner, so it is alive and is not some recycled buffer.
     */
    private static boolean follows(ByteBuf receivedRoot, ByteBuf previous, ByteBuf next) {
        if (receivedRoot == null || receivedRoot == previous || receivedRoot == next
                || root(previous) != receivedRoot || root(next) != receivedRoot) {
            return false;
        }
        if (previous.hasMemoryAddress() && next.hasMemoryAddress() && receivedRoot.hasMemoryAddress()) {
            return previous.memoryAddress() + previous.writerIndex() == next.memoryAddress() + next.readerIndex();
        }
        if (previous.hasArray() && next.hasArray() && receivedRoot.hasArray() && previous.array() == next.array()) {
            return previous.arrayOffset() + previous.writerIndex() == next.arrayOffset() + next.readerIndex();
        }
        return false;
    }

    /**
     * The buffer that owns the memory of {@code buf}: below slices and leak-tracking wrappers, the one that unwraps
     * to nothing. A buffer that is its own root is not a slice of a read and is never joined.
     */
    private static ByteBuf root(ByteBuf buf) {
        ByteBuf root = buf;
        for (ByteBuf under = root.unwrap(); under != null; under = under.unwrap()) {
            root = under;
        }
        return root;
    }

    /** The index in {@code parent} of the first readable byte of {@code slice}; {@link #follows} vouched for both. */
    private static long offsetIn(ByteBuf parent, ByteBuf slice) {
        if (slice.hasMemoryAddress() && parent.hasMemoryAddress()) {
            return slice.memoryAddress() + slice.readerIndex() - parent.memoryAddress();
        }
        return (long) slice.arrayOffset() + slice.readerIndex() - parent.arrayOffset();
    }
}
