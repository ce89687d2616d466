package io.pgguard.core.upstream;

import java.util.Map;
import java.util.Objects;

/** Picks the upstream for a connection by the database in its startup message, like PgBouncer's [databases]. */
public record Routing(Map<String, Upstream> byDatabase, Upstream defaultUpstream) {
    public Routing {
        byDatabase = Map.copyOf(byDatabase);
        Objects.requireNonNull(defaultUpstream, "defaultUpstream");
    }

    public static Routing single(Upstream upstream) {
        return new Routing(Map.of(), upstream);
    }

    public Upstream route(String database) {
        return byDatabase.getOrDefault(database, defaultUpstream);
    }
}
