package io.pgguard.server.cli;

import io.pgguard.server.config.HostPort;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command shares: the config file and the flags that override its keys. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
    File config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Overrides pgguard.listen.")
    String listen;

    @Option(names = "--upstream", paramLabel = "HOST:PORT",
            description = "Overrides the default upstream's host and port.")
    String upstream;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Overrides pgguard.admin.listen (\"\" disables the admin endpoint).")
    String admin;

    /** Environment variables that override keys, between the file and the flags. */
    static final Map<String, String> ENVIRONMENT_KEYS = Map.of(
            "PGGUARD_LISTEN", "pgguard.listen",
            "PGGUARD_UPSTREAM_HOST", "pgguard.upstreams.default.host",
            "PGGUARD_UPSTREAM_PORT", "pgguard.upstreams.default.port",
            "PGGUARD_ADMIN_LISTEN", "pgguard.admin.listen",
            "PGGUARD_ADMIN_TOKEN", "pgguard.admin.token");

    Map<String, String> overrides() {
        Map<String, String> result = new LinkedHashMap<>();
        ENVIRONMENT_KEYS.forEach((env, key) -> {
            String value = System.getenv(env);
            if (value != null && !value.isEmpty()) {
                result.put(key, value);
            }
        });
        if (listen != null) {
            HostPort.parse("--listen", listen);
            result.put("pgguard.listen", listen);
        }
        if (upstream != null) {
            HostPort hp = HostPort.parse("--upstream", upstream);
            result.put("pgguard.upstreams.default.host", hp.host());
            result.put("pgguard.upstreams.default.port", Integer.toString(hp.port()));
            result.put("pgguard.routing.default", "default");
        }
        if (admin != null) {
            if (!admin.isEmpty()) {
                HostPort.parse("--admin", admin);
            }
            result.put("pgguard.admin.listen", admin);
        }
        return result;
    }
}
