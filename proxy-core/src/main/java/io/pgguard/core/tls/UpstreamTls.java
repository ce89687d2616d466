package io.pgguard.core.tls;

import io.netty.handler.ssl.SslContext;

/**
 * TLS towards the server, with libpq's sslmode semantics: disable never asks; prefer asks and goes on in the
 * clear if refused; require insists but does not verify; verify-ca checks the chain; verify-full also the host name.
 */
public record UpstreamTls(Mode mode, SslContext context) {
    public enum Mode {
        DISABLE, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

        public static Mode parse(String text) {
            return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    public static UpstreamTls disabled() {
        return new UpstreamTls(Mode.DISABLE, null);
    }

    public boolean requestsTls() {
        return mode != Mode.DISABLE;
    }

    public boolean insistsOnTls() {
        return mode != Mode.DISABLE && mode != Mode.PREFER;
    }
}
