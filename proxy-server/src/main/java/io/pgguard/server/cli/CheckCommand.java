package io.pgguard.server.cli;

import io.pgguard.server.config.ConfigException;
import io.pgguard.server.config.PgGuardConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Validates a configuration and prints a summary of its rules; exit code 2 when invalid. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a configuration and summarise its rules.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() {
        try {
            PgGuardConfig config = PgGuardConfig.load(options.config, options.overrides());
            System.out.println("configuration OK");
            System.out.println("listen: " + config.listen() + (config.unixSocket() == null ? ""
                    : " and " + config.unixSocket().path(config.listen().port())));
            System.out.println("upstreams: default -> " + config.proxySettings().routing().defaultUpstream().address()
                    + (config.proxySettings().routing().byDatabase().isEmpty() ? ""
                            : ", by database " + config.proxySettings().routing().byDatabase().keySet()));
            System.out.println("rules: " + config.rules().id() + " (sha-256 " + config.rules().hash() + ")");
            System.out.println(config.rules().summary());
            return 0;
        } catch (ConfigException e) {
            System.err.println("invalid configuration: " + e.getMessage());
            return 2;
        }
    }
}
