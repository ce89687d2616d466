package io.pgguard.core.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of a Unix-domain socket PgGuard listens on. The listener binds under a temporary name beside the
 * file's, gets its mode there and is then renamed into place, so no client ever finds the socket with the
 * umask's mode, and a stale file is replaced in one step. At close the file is removed only while it is still
 * this listener's (the same inode): an instance started meanwhile on the same path keeps its socket.
 */
public final class UnixSocketFile {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);
    /** sun_path holds 108 bytes with the terminating NUL. */
    private static final int MAX_PATH_BYTES = 107;

    private final Path path;
    private final Path bindPath;
    private Object fileKey;

    private UnixSocketFile(Path path, Path bindPath) {
        this.path = path;
        this.bindPath = bindPath;
    }

    /**
     * Checks that {@code path} may be taken: free, or a socket file that refuses connections, left by a process
     * that died. One that answers, or that cannot be probed (no permission), is refused, and so is a file that is
     * not a socket.
     */
    public static UnixSocketFile claim(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(path)) {
                throw new IOException(path + " exists and is not a socket");
            }
            if (!refusesConnections(path)) {
                throw new IOException("another server listens on " + path);
            }
        }
        Path temporary = path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid());
        // Where the temporary name would not fit in an address, bind the file's own name (its mode then comes
        // after the bind, and the transport removes it at close whoever's it is by then).
        Path bindPath = temporary.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES ? temporary : path;
        Files.deleteIfExists(bindPath);
        return new UnixSocketFile(path, bindPath);
    }

    /** Where the listener binds. */
    public Path bindPath() {
        return bindPath;
    }

    public Path path() {
        return path;
    }

    /** The listener is bound: gives the file its mode and puts it in place, replacing a stale one. */
    public void publish(Set<PosixFilePermission> mode) throws IOException {
        Files.setPosixFilePermissions(bindPath, mode);
        fileKey = fileKey(bindPath);
        if (!bindPath.equals(path)) {
            Files.move(bindPath, path, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The listener is closed: removes the file if it is still this listener's. */
    public void removeIfOurs() {
        try {
            if (fileKey != null && Objects.equals(fileKey, fileKey(path))) {
                Files.delete(path);
            } else if (fileKey != null) {
                log.info("left {} in place: another listener's socket file has taken its path", path);
            }
        } catch (NoSuchFileException gone) {
            // removed by someone else (or by the transport, where the file's own name was bound)
        } catch (IOException e) {
            log.warn("could not remove the socket file {}: {}", path, e.toString());
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    /** Whether connecting to the socket is refused, the sign of a file its server left behind. */
    private static boolean refusesConnections(Path socket) throws IOException {
        try {
            return !UnixSocketProbe.answers(socket);
        } catch (IOException e) {
            throw new IOException("cannot tell whether " + socket + " is in use: " + e.getMessage(), e);
        }
    }
}
