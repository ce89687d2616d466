package io.pgguard.benchmarks;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgguard.core.protocol.ClientEncoding;
import io.pgguard.core.protocol.FrontendMessageDecoder;
import io.pgguard.core.protocol.Parse;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.protocol.Query;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * proxy-core's frontend protocol path, on pooled direct buffers as the proxy's channels get them:
 *
 * <ul>
 *   <li>{@code queryDecode}, {@code parseDecode}: {@link Query#decode} and {@link Parse#decode} of a framed message
 *   carrying pgbench's -S statement (the text is decoded from UTF-8 to a String);</li>
 *   <li>{@code frameExtendedBatch}: {@link FrontendMessageDecoder} in an {@link EmbeddedChannel} framing one read
 *   that holds what pgbench -S -M extended sends per transaction (Parse, Bind, Describe, Execute, Sync) into five
 *   retained slices, which are then released; EmbeddedChannel's own per-write overhead is included.</li>
 * </ul>
 *
 * The backend direction (BackendStreamScanner skipping DataRows) is not measured here: the scanner and the handler
 * that owns it are package-private in io.pgguard.core.relay.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ProtocolBenchmark {
    private static final int MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf queryMessage;
    private ByteBuf parseMessage;
    private ByteBuf extendedBatch;
    private EmbeddedChannel channel;

    @Setup(Level.Trial)
    public void setUp() {
        queryMessage = new Query(Statements.PGBENCH_SELECT).encode(alloc);
        parseMessage = parse(alloc.directBuffer(), Statements.PGBENCH_SELECT);
        extendedBatch = alloc.directBuffer();
        parse(extendedBatch, Statements.PGBENCH_SELECT);
        bind(extendedBatch, "123456");
        describePortal(extendedBatch);
        execute(extendedBatch);
        sync(extendedBatch);
        channel = new EmbeddedChannel(new FrontendMessageDecoder(MAX_MESSAGE_SIZE));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        queryMessage.release();
        parseMessage.release();
        extendedBatch.release();
    }

    @Benchmark
    public void queryDecode(Blackhole bh) {
        bh.consume(Query.decode(queryMessage, ClientEncoding.UTF8));
    }

    @Benchmark
    public void parseDecode(Blackhole bh) {
        bh.consume(Parse.decode(parseMessage, ClientEncoding.UTF8));
    }

    @Benchmark
    public void queryDecodeAsRelayed(RelayedMessages relayed, Blackhole bh) {
        bh.consume(Query.decode(relayed.query, ClientEncoding.UTF8));
    }

    @Benchmark
    public void parseDecodeAsRelayed(RelayedMessages relayed, Blackhole bh) {
        bh.consume(Parse.decode(relayed.parse, ClientEncoding.UTF8));
    }

    /**
     * The messages as the relay decodes them: slices of one read from Netty's adaptive allocator (the channels'
     * default). In the proxy, the byte-reading call sites every buffer shares (the search for a terminator, the
     * decode) see heap, direct, composite and sliced buffers of several allocators; they are shown all of those
     * first, so the JIT compiles them as it does there rather than for the one buffer class of a benchmark.
     */
    @State(Scope.Thread)
    public static class RelayedMessages {
        private ByteBuf read;
        ByteBuf query;
        ByteBuf parse;

        @Setup(Level.Trial)
        public void setUp() {
            ByteBufAllocator pooledAlloc = PooledByteBufAllocator.DEFAULT;
            ByteBuf pooled = new Query(Statements.PGBENCH_SELECT).encode(pooledAlloc);
            read = new AdaptiveByteBufAllocator().directBuffer(2048);
            read.writeBytes(pooled, pooled.readerIndex(), pooled.readableBytes());
            int parseStart = read.writerIndex();
            ProtocolBenchmark.parse(read, Statements.PGBENCH_SELECT);
            query = read.slice(0, parseStart);
            parse = read.slice(parseStart, read.writerIndex() - parseStart);

            ByteBuf heap = Unpooled.copiedBuffer(pooled);
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            composite.addComponent(true, pooled.retainedDuplicate());
            ByteBuf[] kinds = {heap, pooled, composite, pooled.slice(), read.duplicate(), query};
            for (int round = 0; round < 20_000; round++) {
                for (ByteBuf kind : kinds) {
                    Query.decode(kind, ClientEncoding.UTF8);
                }
            }
            pooled.release();
            composite.release();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            read.release();
        }
    }

    @Benchmark
    public void frameExtendedBatch(Blackhole bh) {
        channel.writeInbound(extendedBatch.retainedDuplicate());
        ByteBuf message;
        while ((message = channel.readInbound()) != null) {
            bh.consume(message.getByte(message.readerIndex()));
            message.release();
        }
    }

    // --- message builders (frontend messages as pgbench/libpq send them) -----------------------------------------

    private static ByteBuf parse(ByteBuf buf, String sql) {
        int length = PgWire.startMessage(buf, 'P');
        PgWire.writeCString(buf, "");
        PgWire.writeCString(buf, sql);
        buf.writeShort(1);
        buf.writeInt(23); // int4
        PgWire.finishMessage(buf, length);
        return buf;
    }

    private static void bind(ByteBuf buf, String textValue) {
        int length = PgWire.startMessage(buf, 'B');
        PgWire.writeCString(buf, "");
        PgWire.writeCString(buf, "");
        buf.writeShort(0); // parameter format codes: all text
        buf.writeShort(1);
        byte[] value = textValue.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        buf.writeInt(value.length);
        buf.writeBytes(value);
        buf.writeShort(0); // result format codes: all text
        PgWire.finishMessage(buf, length);
    }

    private static void describePortal(ByteBuf buf) {
        int length = PgWire.startMessage(buf, 'D');
        buf.writeByte('P');
        PgWire.writeCString(buf, "");
        PgWire.finishMessage(buf, length);
    }

    private static void execute(ByteBuf buf) {
        int length = PgWire.startMessage(buf, 'E');
        PgWire.writeCString(buf, "");
        buf.writeInt(0);
        PgWire.finishMessage(buf, length);
    }

    private static void sync(ByteBuf buf) {
        int length = PgWire.startMessage(buf, 'S');
        PgWire.finishMessage(buf, length);
    }
}
