package io.pgguard.core.relay;

import io.pgguard.core.inspect.SqlPreparedStatementUse;
import io.pgguard.core.inspect.Verdict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The session's SQL-level prepared statements (PREPARE name AS ...), followed so that an EXECUTE runs only what
 * the rules allow under the rules, role and search_path of the moment: PostgreSQL analyses a prepared statement
 * again when the search_path changed since its last use, and checks privileges as the role of now. A statement
 * is recorded when its PREPARE has succeeded (PREPARE is not undone by a rollback), unjudged: its first EXECUTE
 * judges it.
 */
final class SqlPreparedStatements {
    /** A name whose statement PgGuard cannot tell: a PREPARE or DEALLOCATE of it in a string that failed. */
    static final ServerNames.Prepared UNKNOWN = new ServerNames.Prepared(null, null, null, List.of(), true);

    private final Map<String, ServerNames.Prepared> byName = new HashMap<>();

    /** What a statement that succeeded did to the prepared statements. */
    void completed(Verdict verdict, boolean standardConformingStrings) {
        for (SqlPreparedStatementUse use : verdict.sqlPreparedStatements()) {
            switch (use.kind()) {
                case PREPARE -> byName.put(use.name(), unjudged(use.sql(), standardConformingStrings));
                case DEALLOCATE -> {
                    if (use.name() == null) {
                        byName.clear();
                    } else {
                        byName.remove(use.name());
                    }
                }
                case EXECUTE -> { }
            }
        }
    }

    /**
     * A Query string with PREPAREs or DEALLOCATEs failed somewhere: each may or may not have taken effect (they
     * are not undone by the rollback). A new name is recorded, as the server holds its text or nothing; a name
     * PgGuard knew may hold either statement now, so it is unknown until DEALLOCATEd and prepared again.
     */
    void maybeCompleted(Verdict verdict, boolean standardConformingStrings) {
        for (SqlPreparedStatementUse use : verdict.sqlPreparedStatements()) {
            switch (use.kind()) {
                case PREPARE -> byName.put(use.name(), byName.containsKey(use.name()) ? UNKNOWN
                        : unjudged(use.sql(), standardConformingStrings));
                case DEALLOCATE -> {
                    if (use.name() == null) {
                        byName.replaceAll((name, prepared) -> UNKNOWN);
                    } else {
                        byName.replace(use.name(), UNKNOWN);
                    }
                }
                case EXECUTE -> { }
            }
        }
    }

    /** A statement recorded at its PREPARE: judged at its first EXECUTE (its PREPARE judged the whole text). */
    private static ServerNames.Prepared unjudged(String sql, boolean standardConformingStrings) {
        return new ServerNames.Prepared(null, sql, null, List.of(), standardConformingStrings);
    }

    ServerNames.Prepared get(String name) {
        return byName.get(name);
    }

    /** The statement was judged again; until the next change it need not be. */
    void judgedAgain(String name, ServerNames.Prepared after) {
        byName.replace(name, after);
    }
}
