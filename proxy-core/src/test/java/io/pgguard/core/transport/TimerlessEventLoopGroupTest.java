package io.pgguard.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A loop of this group sleeps without a deadline while it has no scheduled task, so every scheduled task must still
 * wake it: one scheduled from another thread while the loop sleeps, one scheduled by the loop itself, a periodic one,
 * and one scheduled after a cancelled one left the queue empty. A stop must end the loops as well.
 */
class TimerlessEventLoopGroupTest {
    private static final long DELAY_MILLIS = 100;

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aTaskScheduledFromAnotherThreadWakesTheSleepingLoop(Transport transport) throws Exception {
        withLoop(transport, loop -> {
            idle(loop);
            assertRunsAfterItsDelay(latch -> {
                long scheduled = System.nanoTime();
                AtomicLong ranAfter = new AtomicLong();
                loop.schedule(() -> {
                    ranAfter.set(System.nanoTime() - scheduled);
                    latch.countDown();
                }, DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return ranAfter;
            });
        });
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aTaskTheLoopSchedulesForItselfRunsOnTime(Transport transport) throws Exception {
        withLoop(transport, loop -> assertRunsAfterItsDelay(latch -> {
            long scheduled = System.nanoTime();
            AtomicLong ranAfter = new AtomicLong();
            loop.execute(() -> loop.schedule(() -> {
                ranAfter.set(System.nanoTime() - scheduled);
                latch.countDown();
            }, DELAY_MILLIS, TimeUnit.MILLISECONDS));
            return ranAfter;
        }));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aPeriodicTaskKeepsRunning(Transport transport) throws Exception {
        withLoop(transport, loop -> {
            CountDownLatch fiveRuns = new CountDownLatch(5);
            ScheduledFuture<?> periodic = loop.scheduleAtFixedRate(fiveRuns::countDown, 20, 20, TimeUnit.MILLISECONDS);
            assertTrue(fiveRuns.await(10, TimeUnit.SECONDS), "the periodic task ran only " + (5 - fiveRuns.getCount())
                    + " times in 10 s");
            periodic.cancel(false);
        });
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aTaskScheduledAfterACancelledOneStillRuns(Transport transport) throws Exception {
        withLoop(transport, loop -> {
            AtomicInteger cancelledRuns = new AtomicInteger();
            loop.schedule(cancelledRuns::incrementAndGet, 1, TimeUnit.HOURS).cancel(false);
            idle(loop);
            CountDownLatch ran = new CountDownLatch(1);
            loop.schedule(ran::countDown, DELAY_MILLIS, TimeUnit.MILLISECONDS);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the task scheduled after a cancelled one never ran");
            assertEquals(0, cancelledRuns.get());
        });
    }

    private interface LoopTest {
        void run(EventLoop loop) throws Exception;
    }

    private interface TimedTask {
        AtomicLong schedule(CountDownLatch latch) throws Exception;
    }

    private static void withLoop(Transport transport, LoopTest test) throws Exception {
        assumeTrue(transport.isAvailable(), () -> transport.configName() + " does not run here: "
                + transport.unavailabilityReason());
        TimerlessEventLoopGroup group = new TimerlessEventLoopGroup(1, "timerless-test", transport.ioHandlerFactory());
        try {
            test.run(group.next());
        } finally {
            assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS),
                    "the loop did not stop within 10 s");
        }
    }

    private static void assertRunsAfterItsDelay(TimedTask task) throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        AtomicLong ranAfter = task.schedule(latch);
        assertTrue(latch.await(10, TimeUnit.SECONDS), "the scheduled task did not run within 10 s");
        assertTrue(ranAfter.get() >= TimeUnit.MILLISECONDS.toNanos(DELAY_MILLIS),
                "the task ran " + ranAfter.get() / 1_000_000 + " ms after it was scheduled, before its delay");
    }

    /** Lets the loop run out of work and go to sleep with nothing scheduled. */
    private static void idle(EventLoop loop) throws Exception {
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
        Thread.sleep(50);
    }
}
