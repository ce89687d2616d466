package io.pgguard.core.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real PostgreSQL command-line clients (psql, pgbench) from the distribution's packages. */
public final class Cli {
    public record Result(int exitCode, String stdout, String stderr) {
        public String all() {
            return stdout + stderr;
        }
    }

    private Cli() {}

    /** Fails clearly when the client is missing: .ci/run installs postgresql-client and postgresql. */
    public static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, tool);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        throw new AssertionError(tool + " is not installed; .ci/run installs it (apt-get install postgresql-client)");
    }

    public static Result run(List<String> command, Map<String, String> env, String stdin, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        File out = File.createTempFile("cli-out", ".txt");
        File err = File.createTempFile("cli-err", ".txt");
        pb.redirectOutput(out).redirectError(err);
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command.get(0) + " did not finish within " + timeoutSeconds + " s");
        }
        Result r = new Result(p.exitValue(), java.nio.file.Files.readString(out.toPath()),
                java.nio.file.Files.readString(err.toPath()));
        out.delete();
        err.delete();
        return r;
    }
}
