package io.pgguard.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgguard.core.cancel.CancelKey;
import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.protocol.BackendKeyData;
import io.pgguard.core.protocol.ClientEncoding;
import io.pgguard.core.protocol.FrontendMessageDecoder;
import io.pgguard.core.protocol.FrontendMessages;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.SqlState;
import io.pgguard.core.protocol.StartupRequest.StartupMessage;
import io.pgguard.core.upstream.Upstream;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and the server connection PgGuard opened for it. Both channels live on one event loop,
 * so this state is only ever touched by that loop's thread; the one exception, a client's cancel arriving on
 * another connection, only reads the server's key and address, which are set once.
 */
public final class ProxySession implements SessionView, CancelRegistry.Cancellable {
    private static final Logger log = LoggerFactory.getLogger(ProxySession.class);

    enum Phase { STARTUP, CONNECTING, AUTHENTICATING, READY, CLOSED }

    final ProxyContext context;
    final long connectionId;
    final Channel client;
    final long openedNanos = System.nanoTime();
    final String clientAddress;
    /** On PgGuard's Unix-domain socket: no TLS there, as in PostgreSQL. */
    final boolean clientOnUnixSocket;
    final ResponseTracker tracker;
    private final ServerWriteBatch toServer = new ServerWriteBatch();
    /** Frames the client's messages once logged in; its last input is what forwarded messages are slices of. */
    FrontendMessageDecoder frontendDecoder;
    Channel server;
    FrontendRelay relay;
    Phase phase = Phase.STARTUP;
    ProxySettings settings;
    Upstream upstream;
    StartupMessage startup;
    boolean clientTls;
    private final Map<String, String> serverParameters = new HashMap<>();
    private boolean standardConformingStrings = true;
    private ClientEncoding clientEncoding = ClientEncoding.UTF8;
    /**
     * The message that may have changed client_encoding or standard_conforming_strings, which decide how the
     * server reads every text after it, until the ReadyForQuery after its answer (the server reports both
     * settings just before it) says what is in force; null while PgGuard knows them.
     */
    private PendingResponse lexingChangedBy;
    /**
     * Whether the transaction block in progress may have changed client_encoding or standard_conforming_strings:
     * its end, or a rollback to a savepoint, can then set them to values PgGuard does not know (the server reports
     * them only with the answer).
     */
    private boolean blockChangedLexing;
    /** The server reported one of the two settings since the last ReadyForQuery. */
    private boolean lexingSettingReported;
    private char transactionStatus = 'I';
    private RoleAndSearchPath roleAndPath = new RoleAndSearchPath(null);
    private final SqlPreparedStatements sqlPrepared = new SqlPreparedStatements();
    private BackendKeyData serverKey;
    private CancelKey clientKey;
    long statements;
    private Object metricsState;
    boolean holdsConnectionSlot;
    long lastClientActivity = System.nanoTime();
    /** Whether the client's current read brought a whole message; only such reads count as activity. */
    boolean clientMessageInRead;
    /** When the client's current read brought its first message; meaningful while {@link #clientMessageInRead}. */
    long clientReadNanos;
    /** Bytes of the messages of the client's current read, reported to the events once when the read ends. */
    long clientBytesInRead;
    /** When the oldest response still expected was asked for; meaningful while the tracker is busy. */
    long busySince;
    private boolean statementTimedOut;
    private ConnectionLimits.Timeouts timeouts = ConnectionLimits.Timeouts.NONE;
    private ScheduledFuture<?> timeoutCheck;
    ScheduledFuture<?> startupTimeout;

    ProxySession(ProxyContext context, Channel client) {
        this.context = context;
        this.connectionId = context.nextConnectionId();
        this.client = client;
        SocketAddress local = client.localAddress();
        this.clientOnUnixSocket = local instanceof DomainSocketAddress || local instanceof UnixDomainSocketAddress;
        // PostgreSQL's logs name a client on its Unix-domain socket "[local]".
        this.clientAddress = clientOnUnixSocket ? "[local]" : String.valueOf(client.remoteAddress());
        this.settings = context.settings();
        this.tracker = new ResponseTracker(new ResponseTracker.Completion() {
            @Override
            public void completed(PendingResponse statement, long endNanos) {
                statementCompleted(statement, endNanos);
            }

            @Override
            public void rowCapExceeded(PendingResponse statement, boolean worthCancelling) {
                log.info("connection {}: result passed its row cap of {} rows; {}", connectionId,
                        statement.readRowCap(), worthCancelling ? "cancelling the statement" : "dropping the rest");
                if (worthCancelling) {
                    cancelOwnStatement();
                }
            }
        });
    }

    // --- SessionView -------------------------------------------------------------------------------------------

    @Override
    public long connectionId() {
        return connectionId;
    }

    @Override
    public String clientAddress() {
        return clientAddress;
    }

    @Override
    public String user() {
        return startup == null ? null : startup.user();
    }

    @Override
    public String database() {
        return startup == null ? null : startup.database();
    }

    @Override
    public String applicationName() {
        String fromServer = serverParameters.get("application_name");
        if (fromServer != null) {
            return fromServer;
        }
        return startup == null ? null : startup.parameters().get("application_name");
    }

    @Override
    public String upstreamName() {
        return upstream == null ? null : upstream.name();
    }

    @Override
    public String environment() {
        return upstream == null ? null : upstream.environment();
    }

    @Override
    public String effectiveRole() {
        String role = roleAndPath.now().role();
        return role == null ? user() : role;
    }

    @Override
    public List<String> searchPath() {
        return roleAndPath.now().searchPath();
    }

    /** The role and search_path the session may have; several only after a ROLLBACK TO SAVEPOINT undid a change. */
    RoleAndSearchPath roleAndPath() {
        return roleAndPath;
    }

    SqlPreparedStatements sqlPrepared() {
        return sqlPrepared;
    }

    /** The encoding the server reads the client's texts in (into its own), as it last reported. */
    ClientEncoding clientEncoding() {
        return clientEncoding;
    }

    /** Whether the server may read the texts the client sends now with settings PgGuard has not been told yet. */
    boolean lexingInDoubt() {
        return lexingChangedBy != null;
    }

    /**
     * Whether the statement {@code verdict} was given for may change how the server reads later texts: the rules
     * say it may; or it may end a transaction block (or roll back to a savepoint), which sets client_encoding and
     * standard_conforming_strings again, in a block that may have changed them, or while a change is unanswered
     * (PgGuard cannot tell then whether a block began before it). Only where a rule reads texts.
     */
    boolean mayChangeLexing(Verdict verdict) {
        if (verdict == null || verdict.isReject()) {
            return false;
        }
        return verdict.changesLexing() || verdict.mayEndBlock() && lexingMayBeUndone();
    }

    /**
     * Whether an error now would set client_encoding or standard_conforming_strings back to values PgGuard does
     * not know: the transaction block in progress may have changed them (PostgreSQL undoes a block's settings at
     * the error, not at the ROLLBACK after it), or a change is unanswered. Only where a rule reads texts.
     */
    boolean lexingMayBeUndone() {
        return (blockChangedLexing || lexingChangedBy != null) && context.inspector().resolvesNames(this);
    }

    /** {@code pending} was sent and may change how the server reads what follows it. */
    void lexingMayChangeAt(PendingResponse pending) {
        lexingChangedBy = pending;
    }

    @Override
    public boolean standardConformingStrings() {
        return standardConformingStrings;
    }

    @Override
    public char transactionStatus() {
        return transactionStatus;
    }

    /**
     * The time for a message being handled now: while the client's read is handled, when it began (one clock read
     * serves all its messages; a message's time then includes the handling of those before it in the read, which
     * the client sent together with it); the clock otherwise.
     */
    long now() {
        return clientMessageInRead ? clientReadNanos : System.nanoTime();
    }

    @Override
    public Object metricsState() {
        return metricsState;
    }

    @Override
    public void metricsState(Object state) {
        metricsState = state;
    }

    public boolean isTls() {
        return clientTls;
    }

    // --- state the server reports --------------------------------------------------------------------------------

    void serverParameter(String name, String value) {
        serverParameters.put(name, value);
        if ("standard_conforming_strings".equals(name)) {
            standardConformingStrings = "on".equalsIgnoreCase(value);
        } else if ("client_encoding".equals(name) || "server_encoding".equals(name)) {
            clientEncoding = ClientEncoding.forName(serverParameters.get("client_encoding"))
                    .convertedTo(serverParameters.get("server_encoding"));
        }
        if ("standard_conforming_strings".equals(name) || "client_encoding".equals(name)) {
            lexingSettingReported = true;
        }
    }

    void initialSearchPath(List<String> path) {
        this.roleAndPath = new RoleAndSearchPath(path);
    }

    /**
     * What the server said the session starts with: the schemas of its search_path, the role it acts as (another
     * than the login user when the server's settings say so), and whether that role has a schema of its name.
     */
    void startsAs(List<String> schemas, String role, boolean roleHasSchema) {
        this.roleAndPath = new RoleAndSearchPath(schemas, user(), role, roleHasSchema);
    }

    void transactionStatus(char status) {
        this.transactionStatus = status;
    }

    /** The session is ready: the settings the server reported while it started are known, and no change is. */
    void loggedIn() {
        lexingSettingReported = false;
    }

    /** Keeps the server's cancel key and returns the one this client gets instead. */
    CancelKey replaceBackendKey(BackendKeyData key) {
        this.serverKey = key;
        if (clientKey == null) {
            clientKey = context.cancels().register(this);
        }
        return clientKey;
    }

    /** A client's cancel; runs on the thread of the connection that brought it. */
    @Override
    public void cancelRunningStatement() {
        BackendKeyData key = serverKey;
        Upstream target = upstream;
        Channel s = server;
        if (key != null && target != null && s != null) {
            CancelSender.send(s.eventLoop(), context.dialer(), target, key, settings.connectTimeout(),
                    null);
        }
    }

    /**
     * Cancels the running statement on PgGuard's own behalf. Unlike a client's cancel, whose race with the
     * client's next statement is the client's own (as with PostgreSQL itself), this one must never hit a
     * statement the client sends later: the relay holds those until the cancel is resolved.
     */
    void cancelOwnStatement() {
        if (serverKey == null || upstream == null || server == null || relay == null) {
            return;
        }
        relay.holdForCancel(tracker.last());
        // The answers the hold waits for must not sit in the server's output buffer waiting for the client's Sync.
        writeToServer(FrontendMessages.flush(client.alloc()));
        flushToServer();
        CancelSender.send(server.eventLoop(), context.dialer(), upstream, serverKey,
                settings.connectTimeout(), () -> {
                    if (phase != Phase.CLOSED) {
                        relay.ownCancelTaken();
                    }
                });
    }

    // --- life cycle -------------------------------------------------------------------------------------------

    void statementCompleted(PendingResponse statement, long endNanos) {
        if (statement.verdict != null && !statement.partOfQuery) {
            if (!statement.failed) {
                applySessionEffects(statement.verdict);
            } else if (statement.kind == PendingResponse.Kind.SIMPLE_QUERY) {
                effectsOfAFailedString(statement.verdict);
            }
        }
        context.events().statementCompleted(this, statement.verdict, endNanos - statement.startNanos,
                statement.rows, statement.failed);
    }

    void cancelStartupTimeout() {
        if (startupTimeout != null) {
            startupTimeout.cancel(false);
            startupTimeout = null;
        }
    }

    /** A statement that succeeded may have switched role or search_path; later decisions must know. */
    void applySessionEffects(Verdict verdict) {
        roleAndPath.changed(verdict);
        sqlPrepared.completed(verdict, standardConformingStrings);
    }

    /** A Query string failed somewhere: its statements before the failure may have taken effect. */
    void effectsOfAFailedString(Verdict verdict) {
        roleAndPath.maybeChanged(verdict);
        sqlPrepared.maybeCompleted(verdict, standardConformingStrings);
    }

    /**
     * The server answered a statement (its CommandComplete tag), failed one, or is ready for the next query:
     * whether the role and search_path changes of a transaction stay or are undone follows from these.
     */
    void commandTag(String tag) {
        roleAndPath.commandTag(tag);
    }

    void statementFailedOnServer() {
        roleAndPath.error();
    }

    void readyForQuery(char status) {
        // A change sent or reported since the last ReadyForQuery may lie inside the block this one reports.
        blockChangedLexing = status != 'I' && (blockChangedLexing || lexingSettingReported || lexingChangedBy != null);
        lexingSettingReported = false;
        if (lexingChangedBy != null && !tracker.isPending(lexingChangedBy)) {
            lexingChangedBy = null; // its answer is in, and the settings it changed came just before this
        }
        roleAndPath.readyForQuery(status);
        closeIfLostTrack();
    }

    private void closeIfLostTrack() {
        if (roleAndPath.lostTrack()) {
            log.warn("connection {} ({}): more than {} roles and search_paths are possible after rollbacks to"
                    + " savepoints; closing the session", connectionId, user(), RoleAndSearchPath.MAX_POSSIBLE);
            failAndClose(PgError.fatal(SqlState.FEATURE_NOT_SUPPORTED, "PgGuard can no longer tell this session's role"
                    + " and search_path after rollbacks to savepoints undid changes of them"));
        }
    }

    /** Starts enforcing the user's timeouts, once logged in. */
    void startTimeouts() {
        timeouts = settings.limits().timeoutsFor(user());
        if (!timeouts.any()) {
            return;
        }
        long periodMillis = Math.max(50, Math.min(1000, shortest(timeouts).toMillis() / 4));
        timeoutCheck = client.eventLoop().scheduleAtFixedRate(this::checkTimeouts, periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    private static Duration shortest(ConnectionLimits.Timeouts t) {
        Duration min = Duration.ofDays(1);
        for (Duration d : new Duration[] {t.statement(), t.idleInTransaction(), t.idle()}) {
            if (!d.isZero() && d.compareTo(min) < 0) {
                min = d;
            }
        }
        return min;
    }

    private void checkTimeouts() {
        if (phase != Phase.READY) {
            return;
        }
        long now = System.nanoTime();
        if (!tracker.isIdle()) {
            if (!timeouts.statement().isZero() && !statementTimedOut && now - busySince > timeouts.statement().toNanos()) {
                statementTimedOut = true;
                log.info("connection {} ({}): statement ran past the timeout of {} s; cancelling", connectionId, user(),
                        timeouts.statement().toSeconds());
                tracker.overrideNextError(new PgError("ERROR", SqlState.QUERY_CANCELED,
                        "PgGuard: canceling statement due to the statement timeout of " + timeouts.statement().toMillis()
                                + " ms for user \"" + user() + "\"", null, null));
                cancelOwnStatement();
            }
        } else if (transactionStatus != 'I') {
            if (!timeouts.idleInTransaction().isZero() && now - lastClientActivity > timeouts.idleInTransaction().toNanos()) {
                log.info("connection {} ({}): idle in transaction past {} s; terminating", connectionId, user(),
                        timeouts.idleInTransaction().toSeconds());
                failAndClose(PgError.fatal("25P03", "PgGuard: terminating connection due to idle-in-transaction timeout of "
                        + timeouts.idleInTransaction().toMillis() + " ms for user \"" + user() + "\""));
            }
        } else if (!timeouts.idle().isZero() && now - lastClientActivity > timeouts.idle().toNanos()) {
            log.info("connection {} ({}): idle past {} s; terminating", connectionId, user(), timeouts.idle().toSeconds());
            failAndClose(PgError.fatal("57P05", "PgGuard: terminating connection due to idle-session timeout of "
                    + timeouts.idle().toMillis() + " ms for user \"" + user() + "\""));
        }
    }

    /** The server answered ReadyForQuery: whatever was timed out is over. */
    void responsesSettled() {
        if (tracker.isIdle()) {
            statementTimedOut = false;
        }
    }

    /** Logged in, nothing in flight and no transaction open: closing now loses nothing. */
    boolean isQuiescent() {
        return phase == Phase.READY && tracker.isIdle() && !tracker.skippingToSync() && transactionStatus == 'I'
                && (relay == null || !relay.holdsMessages());
    }

    /** Sends an error to the client and closes both sides once it is written. */
    void failAndClose(PgError error) {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (client.isActive()) {
            client.writeAndFlush(error.encodeError(client.alloc(), clientEncoding()))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        closeServer();
        phase = Phase.CLOSED;
    }

    /** Queues {@code message} for the server; it goes out at the next {@link #flushToServer()}, in order. */
    void writeToServer(ByteBuf message) {
        Channel s = server;
        if (s == null || !s.isActive()) {
            message.release();
            return;
        }
        if (toServer.add(message)) {
            writeBatchToServer();
        }
    }

    /** Writes and flushes everything queued for the server. */
    void flushToServer() {
        Channel s = server;
        if (s == null) {
            return;
        }
        if (!toServer.isEmpty()) {
            writeBatchToServer();
        }
        s.flush();
    }

    private void writeBatchToServer() {
        Channel s = server;
        if (s == null || !s.isActive()) {
            toServer.release();
            return;
        }
        toServer.writeTo(s, frontendDecoder == null ? null : frontendDecoder.lastInput());
        if (!s.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    /**
     * Reads from the client again, unless the server's socket is still full or the relay still holds its limit of
     * the client's messages: either pause alone keeps the client waiting.
     */
    void resumeClientReads() {
        Channel s = server;
        if (s != null && s.isWritable() && (relay == null || relay.withinHoldLimit())) {
            client.config().setAutoRead(true);
        }
    }

    void closeServer() {
        Channel s = server;
        if (s != null && s.isActive()) {
            s.close();
        }
    }

    /** Called once, when the client channel closes, whatever closed it. */
    void clientClosed() {
        if (!toServer.isEmpty()) { // a safeguard: the end of the client's last read has flushed the batch already
            writeBatchToServer();
        }
        if (phase == Phase.READY && server != null && server.isActive()) {
            // Tell the server this is a clean goodbye, as a client's Terminate would.
            ByteBuf terminate = server.alloc().buffer(5).writeByte('X').writeInt(4);
            server.writeAndFlush(terminate).addListener(ChannelFutureListener.CLOSE);
        } else {
            closeServer();
        }
        boolean wasLoggedIn = phase == Phase.READY;
        if (holdsConnectionSlot) {
            holdsConnectionSlot = false;
            context.connections.release(startup.user(), startup.database());
        }
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
        }
        phase = Phase.CLOSED;
        context.cancels().unregister(clientKey);
        tracker.clear();
        context.events().clientDisconnected(this, wasLoggedIn, System.nanoTime() - openedNanos, statements);
        log.debug("connection {} from {} closed", connectionId, clientAddress);
    }

    void serverClosed() {
        toServer.release();
        if (client.isActive()) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
