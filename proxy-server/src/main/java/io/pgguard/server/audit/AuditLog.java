package io.pgguard.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.rules.CommandKind;
import io.pgguard.rules.Decision;
import io.pgguard.rules.DryRunHit;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.lex.SqlRedactor;
import io.pgguard.server.config.PgGuardConfig.AuditSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one JSON line per checked statement (of the configured class) and per connection event, on the
 * logger "pgguard.audit" so logback sends it wherever operators want (file, stdout, syslog). Statement text is
 * recorded with literals redacted by default; passwords never appear (they are literals, and authentication
 * messages are never recorded at all).
 */
public final class AuditLog implements ProxyEvents {
    public static final String LOGGER = "pgguard.audit";
    private static final Logger audit = LoggerFactory.getLogger(LOGGER);
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditSettings settings;

    public AuditLog(AuditSettings settings) {
        this.settings = settings;
    }

    @Override
    public void authenticated(SessionView session) {
        if (settings.connections()) {
            Map<String, Object> r = connectionRecord("connect", session);
            r.put("auth", "ok");
            write(r);
        }
    }

    @Override
    public void authenticationFailed(SessionView session, String sqlState, String message) {
        if (settings.connections()) {
            Map<String, Object> r = connectionRecord("auth_failed", session);
            r.put("sqlstate", sqlState);
            r.put("message", message);
            write(r);
        }
    }

    @Override
    public void clientDisconnected(SessionView session, boolean loggedIn, long durationNanos, long statements) {
        if (settings.connections() && loggedIn) {
            Map<String, Object> r = connectionRecord("disconnect", session);
            r.put("duration_ms", durationNanos / 1_000_000.0);
            r.put("statements", statements);
            write(r);
        }
    }

    /** Refusals and dry-run hits are recorded when decided: a refused statement has no execution to wait for. */
    @Override
    public void statementInspected(SessionView session, String sql, SqlOrigin origin, Verdict verdict,
            long decisionNanos) {
        Decision decision = verdict.attachment() instanceof Decision d ? d : null;
        boolean dryRunHit = decision != null && !decision.dryRunHits().isEmpty();
        if (!verdict.isReject() && !dryRunHit) {
            return;
        }
        if (settings.statements().equals("none")) {
            return;
        }
        Map<String, Object> r = statementRecord(session, sql, decision, verdict);
        r.put("origin", origin.name().toLowerCase(Locale.ROOT));
        r.put("decision_us", decisionNanos / 1000.0);
        write(r);
    }

    @Override
    public void statementCompleted(SessionView session, Verdict verdict, long roundTripNanos, long rows,
            boolean failed) {
        if (verdict == null || verdict.isReject() || !(verdict.attachment() instanceof Decision decision)
                || settings.statements().equals("rejections") || settings.statements().equals("none")) {
            return;
        }
        if (!wanted(decision)) {
            return;
        }
        Map<String, Object> r = statementRecord(session, decision.sql(), decision, verdict);
        r.put("duration_ms", roundTripNanos / 1_000_000.0);
        if (rows >= 0) {
            r.put("rows", rows);
        }
        r.put("failed", failed);
        write(r);
    }

    private boolean wanted(Decision decision) {
        return switch (settings.statements()) {
            case "all" -> true;
            case "writes" -> anyWriteOrDdl(decision);
            default -> false;
        };
    }

    private static boolean anyWriteOrDdl(Decision decision) {
        for (StatementFacts f : decision.statements()) {
            if (isWriteOrDdl(f)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWriteOrDdl(StatementFacts f) {
        CommandKind.Group g = f.kind().group();
        return f.writesData() || g == CommandKind.Group.DDL || g == CommandKind.Group.TRUNCATE_GROUP
                || g == CommandKind.Group.ADMIN || g == CommandKind.Group.ROLE_CHANGE
                || g == CommandKind.Group.PROCEDURAL || g == CommandKind.Group.COPY_SERVER
                || g == CommandKind.Group.MAINTENANCE || f.hasUnknownEffect();
    }

    private Map<String, Object> statementRecord(SessionView session, String sql, Decision decision, Verdict verdict) {
        Map<String, Object> r = connectionRecord("statement", session);
        r.put("decision", switch (verdict.action()) {
            case FORWARD -> decision != null && !decision.dryRunHits().isEmpty() ? "would_reject" : "forwarded";
            case REWRITE -> "rewritten";
            case REJECT -> "rejected";
        });
        if (verdict.isReject()) {
            r.put("rule", verdict.ruleId());
            r.put("mode", "enforce");
        } else if (decision != null && !decision.dryRunHits().isEmpty()) {
            List<String> rules = new ArrayList<>();
            for (DryRunHit hit : decision.dryRunHits()) {
                rules.add(hit.ruleId());
            }
            r.put("rule", String.join(",", rules));
            r.put("mode", "dry_run");
        }
        boolean scs = session.standardConformingStrings();
        r.put("statement", settings.redactLiterals() ? SqlRedactor.redact(sql, scs) : sql);
        if (decision != null) {
            List<String> kinds = new ArrayList<>();
            List<String> fingerprints = new ArrayList<>();
            List<String> tables = new ArrayList<>();
            for (StatementFacts f : decision.statements()) {
                kinds.add(f.kind().name().toLowerCase(Locale.ROOT));
                fingerprints.add(f.fingerprint());
                for (TableAccess t : f.tables()) {
                    tables.add(t.toString());
                }
            }
            r.put("command", kinds);
            r.put("fingerprint", String.join("; ", fingerprints));
            r.put("tables", tables);
        }
        return r;
    }

    private static Map<String, Object> connectionRecord(String event, SessionView session) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time", Instant.now().toString());
        r.put("event", event);
        r.put("connection", session.connectionId());
        r.put("client", session.clientAddress());
        r.put("user", session.user());
        r.put("database", session.database());
        r.put("application_name", session.applicationName());
        r.put("upstream", session.upstreamName());
        return r;
    }

    private static void write(Map<String, Object> record) {
        try {
            audit.info(JSON.writeValueAsString(record));
        } catch (JsonProcessingException e) {
            log.warn("could not write an audit record: {}", e.getMessage());
        }
    }
}
