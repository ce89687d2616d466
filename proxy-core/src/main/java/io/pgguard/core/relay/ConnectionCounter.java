package io.pgguard.core.relay;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Live client connection counts, overall and per user and database, for the connection limits. */
final class ConnectionCounter {
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> byDatabase = new ConcurrentHashMap<>();

    /** Takes a slot, or returns the message naming the limit that is full (nothing is taken then). */
    String acquire(ConnectionLimits limits, String user, String database) {
        if (!take(total, limits.maxConnections())) {
            return "PgGuard: too many connections (limit " + limits.maxConnections() + ")";
        }
        AtomicInteger u = byUser.computeIfAbsent(user, k -> new AtomicInteger());
        if (!take(u, limits.limitForUser(user))) {
            total.decrementAndGet();
            return "PgGuard: too many connections for role \"" + user + "\" (limit " + limits.limitForUser(user) + ")";
        }
        AtomicInteger d = byDatabase.computeIfAbsent(database, k -> new AtomicInteger());
        if (!take(d, limits.limitForDatabase(database))) {
            total.decrementAndGet();
            u.decrementAndGet();
            return "PgGuard: too many connections for database \"" + database + "\" (limit "
                    + limits.limitForDatabase(database) + ")";
        }
        return null;
    }

    void release(String user, String database) {
        total.decrementAndGet();
        byUser.get(user).decrementAndGet();
        byDatabase.get(database).decrementAndGet();
    }

    int total() {
        return total.get();
    }

    private static boolean take(AtomicInteger counter, int limit) {
        while (true) {
            int now = counter.get();
            if (limit > 0 && now >= limit) {
                return false;
            }
            if (counter.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }
}
