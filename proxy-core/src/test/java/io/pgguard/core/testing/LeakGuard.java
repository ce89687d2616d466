package io.pgguard.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer while it ran. Registered for every test through JUnit's
 * extension auto-detection, so it installs its detector factory before any buffer class is loaded; surefire runs
 * the JVM with -Dio.netty.leakDetection.level=paranoid, so every buffer is tracked.
 */
public final class LeakGuard implements AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // Leaks are found when a leaked buffer has been collected and a later allocation polls the queue.
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(40);
            List<ByteBuf> probes = new ArrayList<>();
            for (int j = 0; j < 64; j++) {
                probes.add(ByteBufAllocator.DEFAULT.buffer(16));
            }
            probes.forEach(ByteBuf::release);
        }
        if (!LEAKS.isEmpty()) {
            List<String> found = new ArrayList<>(LEAKS);
            LEAKS.clear();
            throw new AssertionError("Netty reported " + found.size() + " leaked buffer(s) during "
                    + context.getDisplayName() + ":\n" + String.join("\n---\n", found));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval, maxActive) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(resourceType + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
