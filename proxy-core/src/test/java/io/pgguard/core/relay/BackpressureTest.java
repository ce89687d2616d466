package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that reads a large COPY TO STDOUT slowly must not make the proxy buffer the result: the server side
 * stops reading while the client side is not writable, so what the proxy holds stays near the write water mark.
 * The suite streams 120 MB; {@code -Dpgguard.backpressure.mb=1024} runs the same check over 1 GB.
 */
class BackpressureTest {
    static final long RESULT_BYTES = Long.getLong("pgguard.backpressure.mb", 120L) * 1024 * 1024;

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void slowClientKeepsProxyBuffersBounded(Transport transport) throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport);
                Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port()));
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 64 * 1024));
            BadInputTest.loginAsSuperuser(out, in);
            int rows = (int) (RESULT_BYTES / 1001);
            byte[] sql = ("COPY (SELECT repeat('x', 1000) FROM generate_series(1, " + rows + ")) TO STDOUT\0")
                    .getBytes(StandardCharsets.US_ASCII);
            out.write('Q');
            out.writeInt(4 + sql.length);
            out.write(sql);
            out.flush();

            AtomicLong maxPending = new AtomicLong();
            ByteBufAllocatorMetric allocator = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
            long directBefore = allocator.usedDirectMemory();
            AtomicLong maxDirect = new AtomicLong(directBefore);
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long pending = 0;
                    for (Channel ch : proxy.server().clients()) {
                        ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
                        pending += buffer == null ? 0 : buffer.totalPendingWriteBytes();
                    }
                    maxPending.accumulateAndGet(pending, Math::max);
                    maxDirect.accumulateAndGet(allocator.usedDirectMemory(), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            long received = 0;
            int reads = 0;
            while (true) {
                int type = in.read();
                int length = in.readInt();
                in.skipNBytes(length - 4);
                received += length + 1;
                if (type == 'Z') {
                    break;
                }
                if (++reads % 50 == 0) {
                    Thread.sleep(1); // a slow reader
                }
            }
            sampler.interrupt();
            sampler.join();
            assertTrue(received > RESULT_BYTES, "the whole result arrived: " + received);
            assertTrue(maxPending.get() < 8L * 1024 * 1024,
                    "the proxy held at most " + maxPending.get() + " bytes for a " + received + "-byte result");
            long directGrowth = maxDirect.get() - directBefore;
            assertTrue(directGrowth < 32L * 1024 * 1024,
                    "the allocator's direct memory grew by " + directGrowth + " bytes for a " + received + "-byte result");
            System.out.printf("BackpressureTest on %s: %d MB streamed; at most %d KB pending to the client, direct memory"
                    + " grew by at most %d KB%n", transport.configName(), received >> 20, maxPending.get() >> 10, directGrowth >> 10);
        }
    }
}
