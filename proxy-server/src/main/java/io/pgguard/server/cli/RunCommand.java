package io.pgguard.server.cli;

import io.pgguard.server.PgGuardApp;
import io.pgguard.server.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs the proxy until SIGTERM/SIGINT (graceful drain). SIGHUP, a change of the config file and POST /reload
 * reload the configuration.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the proxy.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    private static volatile boolean running;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--drain", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long SIGTERM waits for in-flight statements before closing (default ${DEFAULT-VALUE}).")
    int drainSeconds;

    static boolean keepsRunning() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        PgGuardApp app;
        try {
            app = PgGuardApp.fromFile(options.config, options.overrides());
            app.start();
        } catch (ConfigException e) {
            System.err.println("pgguard: invalid configuration: " + e.getMessage());
            return 2;
        }
        running = true;
        installSignals(app);
        if (options.config != null) {
            watch(options.config.toPath().toAbsolutePath(), app);
        }
        return 0;
    }

    private void installSignals(PgGuardApp app) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> app.drainAndStop(Duration.ofSeconds(drainSeconds)),
                "pgguard-drain"));
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                log.info("SIGHUP: reloading configuration");
                app.reload();
            });
        } catch (IllegalArgumentException e) {
            log.warn("SIGHUP is not available on this platform; reload with POST /reload");
        }
    }

    /** Reloads when the config file changes (editors and ConfigMaps replace files; watch the directory). */
    private static void watch(Path file, PgGuardApp app) {
        Thread watcher = new Thread(() -> {
            try (WatchService service = FileSystems.getDefault().newWatchService()) {
                file.getParent().register(service, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_CREATE);
                while (!Thread.currentThread().isInterrupted()) {
                    WatchKey key = service.take();
                    Thread.sleep(200); // let the writer finish; events of one save arrive together
                    boolean ours = false;
                    for (WatchEvent<?> event : key.pollEvents()) {
                        Object context = event.context();
                        ours |= context == null || file.getFileName().equals(context)
                                || context.toString().startsWith("..");
                    }
                    key.reset();
                    if (ours) {
                        log.info("config file {} changed: reloading", file.getFileName());
                        app.reload();
                    }
                }
            } catch (IOException e) {
                log.warn("cannot watch the config file for changes: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pgguard-config-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
