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
    private final Map<String, ServerNames.Prepared> byName = new HashMap<>();

    /** What a statement that succeeded did to the prepared statements. */
    void completed(Verdict verdict, boolean standardConformingStrings) {
        for (SqlPreparedStatementUse use : verdict.sqlPreparedStatements()) {
            switch (use.kind()) {
                case PREPARE -> byName.put(use.name(),
                        new ServerNames.Prepared(null, use.sql(), null, List.of(), standardConformingStrings));
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

    ServerNames.Prepared get(String name) {
        return byName.get(name);
    }

    /** The statement was judged again; until the next change it need not be. */
    void judgedAgain(String name, ServerNames.Prepared after) {
        byName.replace(name, after);
    }
}
