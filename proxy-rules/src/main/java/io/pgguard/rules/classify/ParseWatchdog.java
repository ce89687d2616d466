package io.pgguard.rules.classify;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * Enforces the parse time budget. JSqlParser checks its {@code interrupted} flag inside its loops; one
 * process-wide daemon thread, started once when this class is first used, looks at the parses in progress a few
 * times per budget and sets that flag on those past their deadline. Parsing itself stays on the calling thread
 * (no thread per parse, unlike CCJSqlParserUtil.parse).
 *
 * <p>Arming a parse is two volatile writes to the calling thread's own slot: no allocation, no lock and no wake-up
 * of another thread per statement. (Scheduling a timer task per parse cost a cross-thread unpark each time, about a
 * tenth of an uncached decision.) The price is precision: a parse is stopped up to a poll interval after its
 * deadline, which does not matter for a budget measured in seconds.
 */
final class ParseWatchdog {
    /** Longest a single statement may take to parse before it is refused as unparseable (fail closed). */
    static volatile long budgetMillis = Long.getLong("pgguard.rules.parseBudgetMillis", 2000);
    static final String BUDGET_EXCEEDED = "parsing exceeded the time budget";

    private static final long LONGEST_POLL_MILLIS = 50;

    /**
     * One slot per thread that ever parsed (event-loop threads, a bounded set). A slot keeps no reference to its
     * parser once the parse ends, so a slot of a thread that died holds nothing but itself.
     */
    private static final Set<Slot> SLOTS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Slot> SLOT = ThreadLocal.withInitial(() -> {
        Slot slot = new Slot();
        SLOTS.add(slot);
        return slot;
    });

    static {
        Thread watchdog = new Thread(ParseWatchdog::watch, "pgguard-parse-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private ParseWatchdog() {
    }

    /** Arms the budget for one parse on the calling thread; close the returned slot when the parse ends. */
    static Slot arm(CCJSqlParser parser) {
        Slot slot = SLOT.get();
        slot.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        slot.parser = parser; // written after the deadline: whoever sees this parser sees its deadline
        return slot;
    }

    private static void watch() {
        while (true) {
            long budget = budgetMillis;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(LONGEST_POLL_MILLIS, budget / 4))));
            long now = System.nanoTime();
            for (Slot slot : SLOTS) {
                CCJSqlParser parser = slot.parser;
                if (parser != null && now - slot.deadlineNanos > 0) {
                    // If that parse has just ended this flags a parser nobody uses any more: harmless.
                    parser.interrupted = true;
                }
            }
        }
    }

    /** The calling thread's parse in progress, if any. */
    static final class Slot implements AutoCloseable {
        private volatile CCJSqlParser parser;
        private volatile long deadlineNanos;

        /** Moves the armed budget to another parser of the same statement (a second attempt), deadline kept. */
        void switchTo(CCJSqlParser next) {
            parser = next;
        }

        boolean fired() {
            CCJSqlParser p = parser;
            return p != null && p.interrupted;
        }

        @Override
        public void close() {
            parser = null;
        }
    }
}
