package io.pgguard.server.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/** The reference policy (deploy/examples/reference-policy.conf) as packaged in the jar, written to a temp file. */
final class BundledPolicy {
    static final String RESOURCE = "/io/pgguard/server/examples/reference-policy.conf";

    private BundledPolicy() {}

    static File extract() throws IOException {
        File file = File.createTempFile("pgguard-reference-policy", ".conf");
        file.deleteOnExit();
        try (InputStream in = BundledPolicy.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the jar lacks " + RESOURCE);
            }
            Files.copy(in, file.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
