package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.ProtocolViolationException;

/**
 * Forwards the server's byte stream to the client as it arrives, in the buffers it arrived in, while looking at
 * each message's type byte and length. Only the few message types the proxy must read (see
 * {@link Listener#wantsBody}) are assembled whole; everything else, above all DataRow, is skipped over by its
 * length and written on as a slice of the received buffer: no copy and no object per row.
 */
final class BackendStreamScanner {

    interface Listener {
        /**
         * Whether the proxy must see this whole message, told by its type and length field; small control messages
         * only.
         */
        boolean wantsBody(byte type, int length);

        /** A message passed by its header alone; returns false to drop it instead of forwarding it. */
        boolean onPassThrough(byte type);

        /**
         * A message whose body was wanted, header included, valid only during the call. Returns null to forward
         * it unchanged, or the bytes to send in its place (an empty buffer drops it).
         */
        ByteBuf onMessage(byte type, ByteBuf message);
    }

    private Listener listener;
    private final ByteBufAllocator alloc;
    /** A header, or a wanted message, split across reads: its bytes so far. Never holds row data. */
    private ByteBuf carried;
    /** Bytes of a passed-through message still to come in later reads. */
    private long skipRemaining;
    /** Start of the bytes of the current read not yet written on. */
    private int runStart;
    /** Whether the rest of the message being skipped is dropped rather than forwarded. */
    private boolean dropping;

    BackendStreamScanner(Listener listener, ByteBufAllocator alloc) {
        this.listener = listener;
        this.alloc = alloc;
    }

    /** From the next message on, {@code listener} reads the stream (while PgGuard asks the server a question). */
    void listener(Listener listener) {
        this.listener = listener;
    }

    /** Scans {@code in} (released here) and writes what the client should get to {@code client}, unflushed. */
    void scan(ByteBuf in, Channel client) {
        int first = in.readerIndex();
        try {
            runStart = first;
            while (in.isReadable()) {
                if (skipRemaining > 0) {
                    int n = (int) Math.min(skipRemaining, in.readableBytes());
                    in.skipBytes(n);
                    skipRemaining -= n;
                    if (dropping) {
                        runStart = in.readerIndex();
                    }
                } else if (carried != null) {
                    continueCarried(in, client);
                    runStart = in.readerIndex();
                } else {
                    scanOne(in, client);
                }
            }
            if (runStart == first && in.readerIndex() > first) {
                // The usual case, the whole read forwarded as it came: the buffer itself goes, not a slice of it.
                client.write(in.readerIndex(first), client.voidPromise());
                in = null;
            } else {
                writeRun(in, runStart, in.readerIndex(), client);
            }
        } finally {
            if (in != null) {
                in.release();
            }
        }
    }

    /** Handles the message that starts at the reader index of {@code in}. */
    private void scanOne(ByteBuf in, Channel client) {
        int start = in.readerIndex();
        if (in.readableBytes() < PgWire.HEADER_LENGTH) {
            writeRun(in, runStart, start, client);
            carry(in, PgWire.HEADER_LENGTH);
            runStart = in.readerIndex();
            return;
        }
        byte type = in.getByte(start);
        int length = checkedLength(type, in.getInt(start + 1));
        if (!listener.wantsBody(type, length)) {
            boolean forward = listener.onPassThrough(type);
            if (!forward) {
                writeRun(in, runStart, start, client);
            }
            long total = (long) length + 1;
            int n = (int) Math.min(total, in.readableBytes());
            in.skipBytes(n);
            skipRemaining = total - n;
            dropping = !forward;
            if (!forward) {
                runStart = in.readerIndex();
            }
            return;
        }
        if (in.readableBytes() < length + 1) {
            writeRun(in, runStart, start, client);
            carry(in, length + 1);
            runStart = in.readerIndex();
            return;
        }
        ByteBuf replacement = listener.onMessage(type, in.slice(start, length + 1));
        in.skipBytes(length + 1);
        if (replacement != null) {
            writeRun(in, runStart, start, client);
            writeReplacement(replacement, client);
            runStart = in.readerIndex();
        }
    }

    private static int checkedLength(byte type, int length) {
        if (length < 4) {
            throw new ProtocolViolationException("server sent a message of type " + (char) type
                    + " with invalid length " + length);
        }
        return length;
    }

    private void carry(ByteBuf in, int expected) {
        carried = alloc.buffer(Math.max(expected, in.readableBytes()));
        carried.writeBytes(in);
    }

    /** Adds bytes from {@code in} to the carried header or message until it is whole, then handles it. */
    private void continueCarried(ByteBuf in, Channel client) {
        if (carried.readableBytes() < PgWire.HEADER_LENGTH) {
            int need = PgWire.HEADER_LENGTH - carried.readableBytes();
            carried.writeBytes(in, Math.min(need, in.readableBytes()));
            if (carried.readableBytes() < PgWire.HEADER_LENGTH) {
                return;
            }
        }
        byte type = carried.getByte(carried.readerIndex());
        int length = checkedLength(type, carried.getInt(carried.readerIndex() + 1));
        if (!listener.wantsBody(type, length)) {
            // Only the header was carried: send it and skip the body as it streams past.
            boolean forward = listener.onPassThrough(type);
            ByteBuf header = carried;
            carried = null;
            if (forward) {
                client.write(header, client.voidPromise());
            } else {
                header.release();
            }
            dropping = !forward;
            skipRemaining = (long) length + 1 - PgWire.HEADER_LENGTH;
            return;
        }
        int need = length + 1 - carried.readableBytes();
        carried.ensureWritable(need);
        carried.writeBytes(in, Math.min(need, in.readableBytes()));
        if (carried.readableBytes() < length + 1) {
            return;
        }
        ByteBuf message = carried;
        carried = null;
        ByteBuf replacement = listener.onMessage(type, message);
        if (replacement == null) {
            client.write(message, client.voidPromise());
        } else {
            message.release();
            writeReplacement(replacement, client);
        }
    }

    private static void writeRun(ByteBuf in, int from, int to, Channel client) {
        if (to > from) {
            client.write(in.retainedSlice(from, to - from), client.voidPromise());
        }
    }

    private static void writeReplacement(ByteBuf replacement, Channel client) {
        if (replacement.isReadable()) {
            client.write(replacement, client.voidPromise());
        } else {
            replacement.release();
        }
    }

    /** Frees what is carried; called when the connection closes. */
    void release() {
        if (carried != null) {
            carried.release();
            carried = null;
        }
    }
}
