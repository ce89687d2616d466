package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.protocol.PgWire;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The requests that may precede a StartupMessage (protocol chapter, "Start-up"): libpq with gssencmode=prefer and
 * sslmode=prefer sends a GSSENCRequest, then an SSLRequest, then the StartupMessage, all on one connection. A
 * proxy without GSSAPI and without a certificate answers 'N' to both and the session goes on in the clear.
 */
class StartupNegotiationTest {

    @Test
    void gssEncryptionAndTlsAreDeclinedAndTheSameConnectionLogsIn() throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(PostgresFixture.get(), StatementInspector.ALLOW_ALL);
                Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());

            sendRequestCode(out, PgWire.GSSENC_REQUEST_CODE);
            assertEquals('N', in.read(), "GSSENCRequest: no GSS encryption");
            sendRequestCode(out, PgWire.SSL_REQUEST_CODE);
            assertEquals('N', in.read(), "SSLRequest without a certificate: no TLS");

            BadInputTest.loginAsSuperuser(out, in, "negotiation-test");
            assertEquals("negotiated", simpleQueryValue(out, in, "SELECT 'negotiated'"));
        }
    }

    @Test
    void bytesPipelinedBehindAnEncryptionRequestAreRefused() throws Exception {
        // PostgreSQL fails the connection when more bytes were already there after an encryption request: sent
        // before any handshake, they could have been injected by a man in the middle (CVE-2021-23214). PgGuard
        // refuses them with the same error before answering the request, as PgBouncer does (PostgreSQL answers
        // the request first).
        assertPipelinedBytesRefused(PgWire.GSSENC_REQUEST_CODE,
                "received unencrypted data after GSSAPI encryption request");
        assertPipelinedBytesRefused(PgWire.SSL_REQUEST_CODE, "received unencrypted data after SSL request");
    }

    private static void assertPipelinedBytesRefused(int requestCode, String expectedMessage) throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(PostgresFixture.get(), StatementInspector.ALLOW_ALL);
                Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            DataOutputStream packets = new DataOutputStream(both);
            packets.writeInt(8);
            packets.writeInt(requestCode);
            packets.writeInt(8);
            packets.writeInt(PgWire.SSL_REQUEST_CODE);
            out.write(both.toByteArray()); // one write: both requests arrive together
            out.flush();
            Map<Character, String> error = BadInputTest.readError(in);
            assertEquals("08P01", error.get('C'));
            assertEquals(expectedMessage, error.get('M'));
            BadInputTest.assertClosed(in);
        }
    }

    private static void sendRequestCode(DataOutputStream out, int code) throws Exception {
        out.writeInt(8);
        out.writeInt(code);
        out.flush();
    }

    /** Sends a simple Query and returns the first column of its one row, read up to ReadyForQuery. */
    private static String simpleQueryValue(DataOutputStream out, DataInputStream in, String sql) throws Exception {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        out.write('Q');
        out.writeInt(4 + text.length);
        out.write(text);
        out.flush();
        String value = null;
        while (true) {
            int type = in.read();
            int length = in.readInt();
            byte[] body = new byte[length - 4];
            in.readFully(body);
            switch (type) {
                case 'D' -> {
                    int columnLength = ByteBuffer.wrap(body, 2, 4).getInt(); // after the Int16 column count
                    value = new String(body, 6, columnLength, StandardCharsets.UTF_8);
                }
                case 'E' -> throw new AssertionError("query failed: " + new String(body, StandardCharsets.UTF_8));
                case 'Z' -> {
                    return value;
                }
                default -> {
                    // RowDescription, CommandComplete
                }
            }
        }
    }
}
