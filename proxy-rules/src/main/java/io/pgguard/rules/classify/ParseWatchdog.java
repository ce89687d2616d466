package io.pgguard.rules.classify;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * Enforces the parse time budget. JSqlParser checks its {@code interrupted} flag inside its loops; one
 * process-wide daemon thread, started once when this class is first used, sets that flag on parses that run
 * longer than the budget. Parsing itself stays on the calling thread (no thread per parse, unlike
 * CCJSqlParserUtil.parse).
 */
final class ParseWatchdog {
    /** Longest a single statement may take to parse before it is refused as unparseable (fail closed). */
    static volatile long budgetMillis = Long.getLong("pgguard.rules.parseBudgetMillis", 2000);
    static final String BUDGET_EXCEEDED = "parsing exceeded the time budget";

    private static final ScheduledThreadPoolExecutor TIMER = createTimer();

    private ParseWatchdog() {
    }

    private static ScheduledThreadPoolExecutor createTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pgguard-parse-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.prestartCoreThread();
        return timer;
    }

    /** Arms the budget for one parse; close the returned handle when the parse ends. */
    static Armed arm(CCJSqlParser parser) {
        ScheduledFuture<?> f = TIMER.schedule(() -> {
            parser.interrupted = true;
        }, budgetMillis, TimeUnit.MILLISECONDS);
        return new Armed(parser, f);
    }

    record Armed(CCJSqlParser parser, ScheduledFuture<?> future) implements AutoCloseable {
        boolean fired() {
            return parser.interrupted;
        }

        @Override
        public void close() {
            future.cancel(false);
        }
    }
}
