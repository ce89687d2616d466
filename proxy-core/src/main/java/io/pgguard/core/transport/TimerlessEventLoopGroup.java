package io.pgguard.core.transport;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Executor;

/**
 * Event loops that sleep without a deadline while they have no scheduled task. Netty's loops otherwise wake, or at
 * least arm a timer, once a second to purge cancelled scheduled tasks; its own loops now remove a cancelled task at
 * once, so the purge finds nothing. The timer is not free on io_uring: every time a loop goes to sleep it submits a
 * TIMEOUT request, which the kernel arms and cancels and answers with one more completion, 0.3-0.4 times per
 * relayed transaction under pgbench load. A task scheduled from another thread still wakes the loop, as any task
 * does, and the loop then sleeps until that task's deadline.
 */
public final class TimerlessEventLoopGroup extends MultiThreadIoEventLoopGroup {

    /** {@code name} names the threads, name-1-1, name-1-2...: what logs and thread dumps show. */
    public TimerlessEventLoopGroup(int threads, String name, IoHandlerFactory ioHandlerFactory) {
        super(threads, new DefaultThreadFactory(name), ioHandlerFactory);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory) {
            @Override
            protected long deadlineNanos() {
                return nextScheduledTaskDeadlineNanos();
            }
        };
    }
}
