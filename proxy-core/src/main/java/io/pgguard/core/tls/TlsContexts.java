package io.pgguard.core.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import javax.net.ssl.SSLException;

/** Builds Netty SSL contexts from PEM files, the format PostgreSQL itself uses. */
public final class TlsContexts {
    private TlsContexts() {}

    public static SslContext server(File certChain, File privateKey) throws SSLException {
        return SslContextBuilder.forServer(certChain, privateKey).build();
    }

    /**
     * The client context for the server leg. require encrypts without verifying (libpq's behaviour);
     * verify-ca and verify-full trust the given CA; host name checking for verify-full is switched on per
     * connection by {@link io.pgguard.core.relay.UpstreamTlsNegotiator}.
     */
    public static SslContext upstream(UpstreamTls.Mode mode, File rootCert) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (mode == UpstreamTls.Mode.VERIFY_CA || mode == UpstreamTls.Mode.VERIFY_FULL) {
            if (rootCert == null) {
                throw new IllegalArgumentException("sslmode " + mode + " needs a root certificate (root-cert)");
            }
            builder.trustManager(rootCert);
        } else {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        return builder.build();
    }
}
