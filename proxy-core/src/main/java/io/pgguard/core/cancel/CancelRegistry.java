package io.pgguard.core.cancel;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Maps the cancel keys PgGuard gives its clients to the sessions that hold the server's real keys. The high
 * byte of every process id is this replica's id, so a replica that receives a cancel for a key it never issued
 * knows which peer did.
 */
public final class CancelRegistry {
    /** What the registry needs of a session to cancel its running statement. */
    public interface Cancellable {
        void cancelRunningStatement();
    }

    private final ConcurrentHashMap<CancelKey, Cancellable> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger nextProcessId = new AtomicInteger(1);
    private final int replicaId;

    public CancelRegistry(int replicaId) {
        if (replicaId < 0 || replicaId > 127) {
            throw new IllegalArgumentException("replica id must be 0..127: " + replicaId);
        }
        this.replicaId = replicaId;
    }

    public int replicaId() {
        return replicaId;
    }

    public CancelKey register(Cancellable session) {
        while (true) {
            int counter = nextProcessId.getAndIncrement() & 0x00FF_FFFF;
            CancelKey key = new CancelKey((replicaId << 24) | counter, random.nextInt());
            if (sessions.putIfAbsent(key, session) == null) {
                return key;
            }
        }
    }

    public void unregister(CancelKey key) {
        if (key != null) {
            sessions.remove(key);
        }
    }

    /** Cancels the statement of the session holding this key; false when no session here holds it. */
    public boolean cancel(CancelKey key) {
        Cancellable session = sessions.get(key);
        if (session == null) {
            return false;
        }
        session.cancelRunningStatement();
        return true;
    }

    /** The replica that issued a process id. */
    public static int replicaOf(int processId) {
        return processId >>> 24;
    }

    public int size() {
        return sessions.size();
    }
}
