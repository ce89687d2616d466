package io.pgguard.core.relay;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * What protects the database from its clients: connection counts (0 = unlimited) overall, per user and per
 * database, and timeouts per user. Looked up once per connection.
 *
 * @param userTimeouts the timeouts of a login user when they differ from the defaults, else null (the server's
 *                     configuration decides: by user name, or by the rules' role the user is mapped to)
 */
public record ConnectionLimits(int maxConnections, int maxPerUser, Map<String, Integer> perUser, int maxPerDatabase,
        Map<String, Integer> perDatabase, Timeouts defaultTimeouts, Function<String, Timeouts> userTimeouts) {

    /** Zero disables a timeout. */
    public record Timeouts(Duration statement, Duration idleInTransaction, Duration idle) {
        public static final Timeouts NONE = new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO);

        public boolean any() {
            return !statement.isZero() || !idleInTransaction.isZero() || !idle.isZero();
        }
    }

    public static final ConnectionLimits NONE = new ConnectionLimits(0, 0, Map.of(), 0, Map.of(), Timeouts.NONE,
            user -> null);

    public ConnectionLimits {
        perUser = Map.copyOf(perUser);
        perDatabase = Map.copyOf(perDatabase);
    }

    public int limitForUser(String user) {
        return perUser.getOrDefault(user, maxPerUser);
    }

    public int limitForDatabase(String database) {
        return perDatabase.getOrDefault(database, maxPerDatabase);
    }

    public Timeouts timeoutsFor(String user) {
        Timeouts t = userTimeouts.apply(user);
        return t != null ? t : defaultTimeouts;
    }
}
