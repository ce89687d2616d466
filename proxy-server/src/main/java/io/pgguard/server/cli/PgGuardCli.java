package io.pgguard.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `pgguard` command: run the proxy, run the demo, check a config, explain a decision. */
@Command(name = "pgguard", mixinStandardHelpOptions = true, version = "PgGuard 0.1.0",
        description = "A PostgreSQL guard proxy: relays the wire protocol and enforces SQL rules.",
        subcommands = {RunCommand.class, DemoCommand.class, CheckCommand.class, ExplainCommand.class})
public final class PgGuardCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        relayBufferDefaults();
        int code = new CommandLine(new PgGuardCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !RunCommand.keepsRunning()) {
            System.exit(code);
        }
    }

    /**
     * Netty checks a buffer's reference count on every read of it (checkAccessible) and its bounds again under
     * the JDK's own checks (checkBounds). The relay reads each backend message header through such calls; with
     * both on, pgbench -S -M prepared through PgGuard ran at 26.4k TPS and 28.6 µs of proxy CPU per transaction,
     * with both off at 30.4k and 23.8 µs. Off by default in the process, before any buffer class loads; a
     * -D on the command line wins. The test suite keeps both on, with the leak detector at paranoid.
     *
     * <p>The leak detector stays on at its default level, but tracks one buffer in 4096 instead of 128: each
     * tracked buffer costs a stack trace, about 0.3 µs per pgbench transaction at 128 (3% of the proxy's CPU).
     * At tens of thousands of buffers a second, a leak on any request path is still sampled within seconds.
     */
    static void relayBufferDefaults() {
        defaultProperty("io.netty.buffer.checkAccessible", "false");
        defaultProperty("io.netty.buffer.checkBounds", "false");
        defaultProperty("io.netty.leakDetection.samplingInterval", "4096");
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }
}
