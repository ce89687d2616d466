package io.pgguard.core.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** Whether a server listens on a Unix-domain socket file, asked the only reliable way: by connecting. */
public final class UnixSocketProbe {
    private UnixSocketProbe() {}

    /**
     * True when a server accepts on {@code socket}, or has the connection pending (its backlog full: busy, not
     * dead); false when the connection is refused, as at a file its server left behind. Non-blocking, so it never
     * stalls. Any other failure (no such file, no permission) is thrown: it says nothing about a server.
     */
    public static boolean answers(Path socket) throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (ConnectException refused) {
            return false;
        }
    }
}
