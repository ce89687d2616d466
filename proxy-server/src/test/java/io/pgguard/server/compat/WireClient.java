package io.pgguard.server.compat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A minimal PostgreSQL v3 protocol client that sends a corpus statement exactly as the corpus describes it (the
 * whole text in one Query message, or one Parse/Bind/Execute) and records every backend message as a line, so
 * the direct and the proxied transcript can be compared message by message: row descriptions, rows, command
 * tags, notices, errors with all their fields, parameter status changes, notifications, COPY data and the
 * transaction status of every ReadyForQuery. pgjdbc cannot be used for this: it splits a multi-statement string
 * into one Query message per statement.
 */
final class WireClient implements AutoCloseable {
    /** The messages one request produced, and the errors among them with their fields. */
    record Result(List<String> lines, List<Map<Character, String>> errors, char status) {
        boolean failed() {
            return !errors.isEmpty();
        }

        String sqlState() {
            return errors.isEmpty() ? null : errors.get(0).get('C');
        }

        String transcript() {
            return String.join("\n", lines);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final Map<String, String> parameters = new LinkedHashMap<>();

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    static WireClient connect(String host, int port, String user, String password, String database)
            throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(60_000);
        WireClient c = new WireClient(s);
        try {
            c.startup(user, password, database);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    Map<String, String> parameters() {
        return parameters;
    }

    private void startup(String user, String password, String database) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(body);
        b.writeInt(196608);
        for (String kv : new String[] {"user", user, "database", database, "client_encoding", "UTF8"}) {
            cstring(b, kv);
        }
        b.writeByte(0);
        out.writeInt(body.size() + 4);
        body.writeTo(out);
        out.flush();
        byte[] clientFirstBare = null;
        byte[] saltedPassword = null;
        String clientFirstBareText = null;
        String serverFirst = null;
        while (true) {
            char type = (char) in.readUnsignedByte();
            byte[] payload = new byte[in.readInt() - 4];
            in.readFully(payload);
            ByteBuffer p = ByteBuffer.wrap(payload);
            switch (type) {
                case 'R' -> {
                    int code = p.getInt();
                    switch (code) {
                        case 0 -> { }
                        case 3 -> send('p', cstringBytes(password));
                        case 5 -> {
                            byte[] salt = new byte[4];
                            p.get(salt);
                            String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
                            byte[] innerBytes = inner.getBytes(StandardCharsets.US_ASCII);
                            byte[] both = new byte[innerBytes.length + 4];
                            System.arraycopy(innerBytes, 0, both, 0, innerBytes.length);
                            System.arraycopy(salt, 0, both, innerBytes.length, 4);
                            send('p', cstringBytes("md5" + md5Hex(both)));
                        }
                        case 10 -> {
                            byte[] nonce = new byte[18];
                            new SecureRandom().nextBytes(nonce);
                            clientFirstBareText = "n=,r=" + Base64.getEncoder().encodeToString(nonce);
                            clientFirstBare = ("n,," + clientFirstBareText).getBytes(StandardCharsets.UTF_8);
                            ByteArrayOutputStream m = new ByteArrayOutputStream();
                            DataOutputStream d = new DataOutputStream(m);
                            cstring(d, "SCRAM-SHA-256");
                            d.writeInt(clientFirstBare.length);
                            d.write(clientFirstBare);
                            send('p', m.toByteArray());
                        }
                        case 11 -> {
                            serverFirst = new String(payload, 4, payload.length - 4, StandardCharsets.UTF_8);
                            Map<String, String> attrs = scramAttributes(serverFirst);
                            String withoutProof = "c=biws,r=" + attrs.get("r");
                            try {
                                saltedPassword = pbkdf2(password, Base64.getDecoder().decode(attrs.get("s")),
                                        Integer.parseInt(attrs.get("i")));
                                byte[] clientKey = hmac(saltedPassword, "Client Key");
                                byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
                                String authMessage = clientFirstBareText + "," + serverFirst + "," + withoutProof;
                                byte[] signature = hmac(storedKey, authMessage);
                                byte[] proof = new byte[clientKey.length];
                                for (int i = 0; i < proof.length; i++) {
                                    proof[i] = (byte) (clientKey[i] ^ signature[i]);
                                }
                                send('p', (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                                        .getBytes(StandardCharsets.UTF_8));
                            } catch (GeneralSecurityException e) {
                                throw new IOException(e);
                            }
                        }
                        case 12 -> { }
                        default -> throw new IOException("unsupported authentication request " + code);
                    }
                }
                case 'S' -> parameters.put(cstring(p), cstring(p));
                case 'K' -> { }
                case 'N' -> { }
                case 'E' -> throw new IOException("start-up failed: " + fields(p));
                case 'Z' -> {
                    return;
                }
                default -> throw new IOException("unexpected message during start-up: " + type);
            }
        }
    }

    /** The whole text in one simple Query message. */
    Result query(String sql) throws IOException {
        send('Q', cstringBytes(sql));
        return readUntilReady(new ArrayList<>(), new ArrayList<>());
    }

    /**
     * The statement in one Parse (unnamed, parameter types left to the server), a Describe and Sync; then Bind
     * with a sensible text value for each parameter type the server reported, Describe portal, Execute, Sync.
     */
    Result extended(String sql) throws IOException {
        List<String> lines = new ArrayList<>();
        List<Map<Character, String>> errors = new ArrayList<>();
        ByteArrayOutputStream parse = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(parse);
        cstring(d, "");
        cstring(d, sql);
        d.writeShort(0);
        buffer('P', parse.toByteArray());
        buffer('D', concat(new byte[] {'S'}, cstringBytes("")));
        buffer('S', new byte[0]);
        out.flush();
        Result described = readUntilReady(lines, errors);
        if (described.failed()) {
            return described;
        }
        List<Integer> types = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("t ") && line.length() > 2) {
                for (String oid : line.substring(2).split(",")) {
                    if (!oid.isEmpty()) {
                        types.add(Integer.parseInt(oid));
                    }
                }
            }
        }
        ByteArrayOutputStream bind = new ByteArrayOutputStream();
        DataOutputStream bd = new DataOutputStream(bind);
        cstring(bd, "");
        cstring(bd, "");
        bd.writeShort(0);
        bd.writeShort(types.size());
        for (int i = 0; i < types.size(); i++) {
            byte[] v = sampleValue(types.get(i), i).getBytes(StandardCharsets.UTF_8);
            bd.writeInt(v.length);
            bd.write(v);
        }
        bd.writeShort(0);
        buffer('B', bind.toByteArray());
        buffer('D', concat(new byte[] {'P'}, cstringBytes("")));
        ByteArrayOutputStream exec = new ByteArrayOutputStream();
        DataOutputStream ed = new DataOutputStream(exec);
        cstring(ed, "");
        ed.writeInt(0);
        buffer('E', exec.toByteArray());
        buffer('S', new byte[0]);
        out.flush();
        return readUntilReady(lines, errors);
    }

    /**
     * Sends framed messages in one write, as a client that pipelines does (without waiting for any answer), and
     * reads {@code answers} answers, each up to its ReadyForQuery.
     */
    List<Result> pipeline(int answers, byte[]... messages) throws IOException {
        send(messages);
        return answers(answers);
    }

    /** Sends framed messages in one write, reading nothing. */
    void send(byte[]... messages) throws IOException {
        for (byte[] m : messages) {
            out.write(m);
        }
        out.flush();
    }

    /** Reads {@code answers} answers, each up to its ReadyForQuery. */
    List<Result> answers(int answers) throws IOException {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            results.add(readUntilReady(new ArrayList<>(), new ArrayList<>()));
        }
        return results;
    }

    /**
     * Sends {@code burst} from another thread while this one reads {@code answers} answers, as a client that
     * pipelines more than the sockets hold must (libpq's pipeline mode does so), so neither side waits on the other.
     */
    List<Result> pipelineWhileReading(int answers, byte[] burst) throws Exception {
        java.util.concurrent.CompletableFuture<Void> sent = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                out.write(burst);
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            results.add(readUntilReady(new ArrayList<>(), new ArrayList<>()));
        }
        sent.get();
        return results;
    }

    /** A Query of a text's own bytes, in whatever client_encoding the session has. */
    static byte[] queryMessage(byte[] text) {
        return framed('Q', concat(text, new byte[] {0}));
    }

    /** A Parse of a text's own bytes into the unnamed statement, with no parameter types. */
    static byte[] parseMessage(byte[] text) {
        return parseMessage(new byte[0], text);
    }

    /** A Parse of a text's own bytes into the statement of a name's own bytes, with no parameter types. */
    static byte[] parseMessage(byte[] name, byte[] text) {
        return framed('P', concat(concat(concat(name, new byte[] {0}), text), new byte[] {0, 0, 0}));
    }

    /** Bind of the unnamed portal to the unnamed statement (no parameters, text results), and its Execute. */
    static byte[] bindAndExecute() {
        return bindAndExecute(new byte[0]);
    }

    /** Bind of the unnamed portal to the statement of a name's own bytes, and its Execute. */
    static byte[] bindAndExecute(byte[] statement) {
        return concat(framed('B', concat(concat(new byte[] {0}, statement), new byte[] {0, 0, 0, 0, 0, 0, 0})),
                framed('E', new byte[] {0, 0, 0, 0, 0}));
    }

    static byte[] syncMessage() {
        return framed('S', new byte[0]);
    }

    private static byte[] framed(char type, byte[] body) {
        return concat(ByteBuffer.allocate(5).put((byte) type).putInt(body.length + 4).array(), body);
    }

    /** A value of the parameter's type that every parameterised corpus statement accepts. */
    static String sampleValue(int typeOid, int index) {
        return switch (typeOid) {
            case 16 -> "true";
            case 20, 21, 23, 26, 700, 701, 1700 -> index == 2 ? "0" : "1";
            case 1005, 1007, 1016 -> "{2}";
            case 25, 1043, 1042, 705, 0 -> "param" + (index + 1) + "@example.net";
            default -> "1";
        };
    }

    private Result readUntilReady(List<String> lines, List<Map<Character, String>> errors) throws IOException {
        while (true) {
            char type = (char) in.readUnsignedByte();
            byte[] payload = new byte[in.readInt() - 4];
            in.readFully(payload);
            ByteBuffer p = ByteBuffer.wrap(payload);
            switch (type) {
                case 'T' -> {
                    int n = p.getShort();
                    StringBuilder sb = new StringBuilder("T");
                    for (int i = 0; i < n; i++) {
                        String name = cstring(p);
                        p.getInt(); // table OID: differs between two databases loaded from the same schema
                        short attnum = p.getShort();
                        int typeOid = p.getInt();
                        short typlen = p.getShort();
                        int typmod = p.getInt();
                        short format = p.getShort();
                        sb.append(i == 0 ? " " : ", ").append(name).append(':').append(attnum).append(':')
                                .append(typeOid).append(':').append(typlen).append(':').append(typmod).append(':')
                                .append(format);
                    }
                    lines.add(sb.toString());
                }
                case 'D' -> {
                    int n = p.getShort();
                    StringBuilder sb = new StringBuilder("D");
                    for (int i = 0; i < n; i++) {
                        int len = p.getInt();
                        sb.append(i == 0 ? " " : "|");
                        if (len < 0) {
                            sb.append("NULL");
                        } else {
                            sb.append(new String(payload, p.position(), len, StandardCharsets.UTF_8));
                            p.position(p.position() + len);
                        }
                    }
                    lines.add(sb.toString());
                }
                case 'C' -> lines.add("C " + cstring(p));
                case 'E' -> {
                    Map<Character, String> f = fields(p);
                    errors.add(f);
                    lines.add("E " + describe(f));
                }
                case 'N' -> lines.add("N " + describe(fields(p)));
                case 'A' -> {
                    p.getInt(); // the notifying backend's PID
                    lines.add("A " + cstring(p) + " " + cstring(p));
                }
                case 'S' -> {
                    String name = cstring(p);
                    String value = cstring(p);
                    parameters.put(name, value);
                    lines.add("S " + name + "=" + value);
                }
                case 'I' -> lines.add("I (empty query)");
                case '1' -> lines.add("1 ParseComplete");
                case '2' -> lines.add("2 BindComplete");
                case '3' -> lines.add("3 CloseComplete");
                case 'n' -> lines.add("n NoData");
                case 's' -> lines.add("s PortalSuspended");
                case 't' -> {
                    int n = p.getShort();
                    StringBuilder sb = new StringBuilder("t ");
                    for (int i = 0; i < n; i++) {
                        sb.append(i == 0 ? "" : ",").append(p.getInt());
                    }
                    lines.add(sb.toString());
                }
                case 'H' -> lines.add("H CopyOut format " + p.get() + " columns " + p.getShort());
                case 'd' -> lines.add("d " + new String(payload, StandardCharsets.UTF_8));
                case 'c' -> lines.add("c CopyDone");
                case 'G' -> {
                    lines.add("G CopyIn format " + p.get() + " columns " + p.getShort());
                    send('c', new byte[0]);
                }
                case 'Z' -> {
                    char status = (char) p.get();
                    lines.add("Z " + status);
                    return new Result(lines, errors, status);
                }
                default -> lines.add("? message " + type + " of " + payload.length + " bytes");
            }
        }
    }

    private static String describe(Map<Character, String> f) {
        StringBuilder sb = new StringBuilder();
        // Severity, code, message, detail, hint, position, internal position/query, where, schema/table/column/
        // type/constraint names. File, line and routine name the server's source and are left out.
        for (char k : new char[] {'S', 'C', 'M', 'D', 'H', 'P', 'p', 'q', 'W', 's', 't', 'c', 'd', 'n'}) {
            if (f.containsKey(k)) {
                sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(f.get(k));
            }
        }
        return sb.toString();
    }

    private static Map<Character, String> fields(ByteBuffer p) {
        Map<Character, String> f = new LinkedHashMap<>();
        while (p.hasRemaining()) {
            byte k = p.get();
            if (k == 0) {
                break;
            }
            f.put((char) k, cstring(p));
        }
        return f;
    }

    private void send(char type, byte[] payload) throws IOException {
        buffer(type, payload);
        out.flush();
    }

    private void buffer(char type, byte[] payload) throws IOException {
        out.writeByte(type);
        out.writeInt(payload.length + 4);
        out.write(payload);
    }

    private static String cstring(ByteBuffer p) {
        int start = p.position();
        while (p.get() != 0) {
            // scan to the terminator
        }
        return new String(p.array(), start, p.position() - start - 1, StandardCharsets.UTF_8);
    }

    private static void cstring(DataOutputStream d, String s) throws IOException {
        d.write(s.getBytes(StandardCharsets.UTF_8));
        d.writeByte(0);
    }

    private static byte[] cstringBytes(String s) {
        return concat(s.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static Map<String, String> scramAttributes(String message) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : message.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                m.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return m;
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }

    private static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                buffer('X', new byte[0]);
                out.flush();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
