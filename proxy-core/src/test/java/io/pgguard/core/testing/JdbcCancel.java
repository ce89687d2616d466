package io.pgguard.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postgresql.util.PSQLException;

/** pgjdbc's Statement.cancel, which sends a CancelRequest on a new connection as libpq does. */
public final class JdbcCancel {
    private JdbcCancel() {}

    /** Runs pg_sleep(30) on {@code statement}, cancels it from another thread, and checks it ended with 57014. */
    public static void assertCancelStopsASleep(Statement statement) throws Exception {
        CompletableFuture<Void> canceller = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(500);
                statement.cancel();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long start = System.nanoTime();
        PSQLException e = assertThrows(PSQLException.class, () -> statement.execute("SELECT pg_sleep(30)"));
        canceller.get(5, TimeUnit.SECONDS);
        assertEquals("57014", e.getSQLState());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the cancel reached the server");
    }
}
