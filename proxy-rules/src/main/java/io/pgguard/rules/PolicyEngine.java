package io.pgguard.rules;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pgguard.rules.classify.StatementClassifier;
import io.pgguard.rules.lex.ValueLiterals;
import io.pgguard.rules.policy.PolicyEvaluator;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decides what to do with each statement text for a session, caching decisions by (text, context). Thread-safe;
 * creates no threads (cache maintenance runs on the calling thread) and never throws from {@link #decide}.
 */
public final class PolicyEngine {
    private final RuleSet rules;
    private final PolicyEvaluator evaluator;
    private final Cache<Key, Decision> cache;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder parseFailures = new LongAdder();
    private final LongAdder fullParser = new LongAdder();
    private final LongAdder lexerFallback = new LongAdder();

    private record Key(String sql, StatementContext ctx) {
    }

    private final boolean shareValueShapes;

    /**
     * A text decided through its shape is cached under its own text too when it is at least this long: finding
     * the shape lexes the whole text (about 12 ns a character), which for a 2.5 KB ORM query with inlined values
     * costs 30 µs on every repeat, against a cache insert for one more entry. Short texts (pgbench's simple mode,
     * one new text per statement) are cheaper to lex again than to cache one by one.
     */
    static final int EXACT_TEXT_MIN_LENGTH = 256;

    public PolicyEngine(RuleSet rules, int cacheSize) {
        this(rules, cacheSize, true);
    }

    /**
     * {@code shareValueShapes}: texts that differ only in value literals ({@link ValueLiterals}) share one
     * decision, made on the text with those literals as parameters. Off only to test that sharing changes no
     * decision.
     */
    public PolicyEngine(RuleSet rules, int cacheSize, boolean shareValueShapes) {
        this.shareValueShapes = shareValueShapes;
        this.rules = rules;
        this.evaluator = new PolicyEvaluator(rules.policy());
        this.cache = Caffeine.newBuilder().maximumSize(Math.max(0, cacheSize)).executor(Runnable::run).build();
    }

    public Decision decide(String sql, StatementContext ctx) {
        if (rules.isAllowAll()) {
            hits.increment();
            return forwardUnchecked(sql);
        }
        if (sql == null || ctx == null) {
            return internalError(String.valueOf(sql), new IllegalArgumentException("sql and context are required"));
        }
        Key key = new Key(sql, ctx);
        Decision cached = cache.getIfPresent(key);
        if (cached != null) {
            hits.increment();
            return cached;
        }
        Decision shared = shareValueShapes ? decideByShape(sql, ctx) : null;
        if (shared != null) {
            if (sql.length() >= EXACT_TEXT_MIN_LENGTH) {
                cache.put(key, shared);
            }
            return shared;
        }
        misses.increment();
        return evaluateAndCache(sql, key);
    }

    /**
     * The decision for a text with value literals, made once for its shape (the literals as parameters) and
     * handed back with the client's own text. Not for rewrites, whose new text must be made from the real one.
     */
    private Decision decideByShape(String sql, StatementContext ctx) {
        String shape = ValueLiterals.parameterize(sql, ctx.standardConformingStrings());
        if (shape == null) {
            return null;
        }
        Key shapeKey = new Key(shape, ctx);
        Decision decision = cache.getIfPresent(shapeKey);
        if (decision != null) {
            hits.increment();
        } else {
            misses.increment();
            decision = evaluateAndCache(shape, shapeKey);
        }
        if (decision.action() == Decision.Action.REWRITE || "internal-error".equals(decision.matchedRuleId())) {
            return null;
        }
        return new Decision(decision.action(), sql, decision.rejection(), decision.dryRunHits(),
                decision.readRowCap(), decision.writeRowCap(), decision.newEffectiveRole(), decision.statements(),
                decision.matchedRuleId(), decision.explanation(), decision.bindConditions());
    }

    private Decision evaluateAndCache(String sql, Key key) {
        Decision decision;
        try {
            decision = evaluator.decide(sql, key.ctx());
        } catch (RuntimeException | StackOverflowError e) {
            return internalError(sql, e); // not cached: a bug should not stick
        }
        count(decision);
        if (decision.statements().stream().noneMatch(StatementClassifier::timingDependent)) {
            cache.put(key, decision); // a parse cut short by the time budget may pass on a quieter machine
        }
        return decision;
    }

    private void count(Decision decision) {
        for (StatementFacts f : decision.statements()) {
            switch (f.parsedBy()) {
                case FULL_PARSER -> fullParser.increment();
                case LEXER_FALLBACK -> lexerFallback.increment();
                case UNPARSEABLE, SYNTAX_ERROR -> parseFailures.increment();
            }
        }
    }

    private static Decision forwardUnchecked(String sql) {
        return new Decision(Decision.Action.FORWARD, sql, null, List.of(), -1, -1, null, List.of(), "allow-all",
                "no rules configured: forwarded\n");
    }

    private static Decision internalError(String sql, Throwable e) {
        String message = "PgGuard: statement refused by rule \"internal-error\": the rules engine failed on this statement";
        Rejection rejection = new Rejection("internal-error", "XX000", message,
                "Internal error while deciding (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                        + "); refused to fail closed. Rule: internal-error.",
                "Report this statement to the PgGuard maintainers.");
        return new Decision(Decision.Action.REJECT, sql, rejection, List.of(), -1, -1, null, List.of(), "internal-error",
                message + "\n" + e + "\n");
    }

    public long cacheHits() {
        return hits.sum();
    }

    public long cacheMisses() {
        return misses.sum();
    }

    /** Statements (on cache misses) that could not be classified at all. */
    public long parseFailures() {
        return parseFailures.sum();
    }

    /** Statements (on cache misses) classified by JSqlParser. */
    public long fullParserClassified() {
        return fullParser.sum();
    }

    /** Statements (on cache misses) classified from their keywords by the lexer-based fallback. */
    public long lexerFallbackClassified() {
        return lexerFallback.sum();
    }

    public RuleSet rules() {
        return rules;
    }
}
