package io.pgguard.core.tls;

import io.netty.handler.ssl.SslContext;

/** TLS towards clients: off answers SSLRequest with 'N'; optional accepts both; required refuses plain startups. */
public record ClientTls(Mode mode, SslContext context) {
    public enum Mode {
        OFF, OPTIONAL, REQUIRED;

        public static Mode parse(String text) {
            return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    public static ClientTls off() {
        return new ClientTls(Mode.OFF, null);
    }

    public boolean offersTls() {
        return mode != Mode.OFF && context != null;
    }
}
