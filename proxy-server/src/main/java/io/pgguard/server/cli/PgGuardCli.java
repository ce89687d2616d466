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
        int code = new CommandLine(new PgGuardCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !RunCommand.keepsRunning()) {
            System.exit(code);
        }
    }
}
