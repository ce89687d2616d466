package io.pgguard.rules.classify;

import io.pgguard.rules.CommandKind;
import io.pgguard.rules.FunctionCall;
import io.pgguard.rules.ParsedBy;
import io.pgguard.rules.RewriteSite;
import io.pgguard.rules.SqlPreparedStatement;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.WriteOperation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Mutable collector of one statement's facts while the classifier works; {@link #build} freezes it. */
final class FactsBuilder {
    CommandKind kind = CommandKind.UNKNOWN;
    CommandKind innerKind;
    ParsedBy parsedBy = ParsedBy.LEXER_FALLBACK;
    String parseError;
    final Set<TableAccess> tables = new LinkedHashSet<>();
    final List<WriteOperation> writes = new ArrayList<>();
    final List<FunctionCall> functions = new ArrayList<>();
    final List<String> unknownEffects = new ArrayList<>();
    long limit = StatementFacts.NO_LIMIT;
    RewriteSite rowCapRewrite;
    boolean copyHeader;
    String roleChange;
    List<String> searchPathChange;
    boolean localChange;
    boolean lexingChange;
    SqlPreparedStatement preparedStatement;
    String setting;

    FactsBuilder kind(CommandKind k) {
        this.kind = k;
        return this;
    }

    void unknown(String reason) {
        unknownEffects.add(reason);
    }

    void unparseable(String error) {
        unreadable(ParsedBy.UNPARSEABLE, error);
    }

    /** PostgreSQL would refuse the statement as a syntax error as well. */
    void syntaxError(String error) {
        unreadable(ParsedBy.SYNTAX_ERROR, error);
    }

    void unreadable(ParsedBy how, String error) {
        parsedBy = how;
        parseError = error;
        if (kind == null) {
            kind = CommandKind.UNKNOWN;
        }
    }

    /** Takes over what a wrapped statement (EXPLAIN ANALYZE, PREPARE, DECLARE, COPY (query)) does. */
    void absorb(StatementFacts inner) {
        tables.addAll(inner.tables());
        writes.addAll(inner.writes());
        functions.addAll(inner.functions());
        unknownEffects.addAll(inner.unknownEffects());
        if (inner.parsedBy().unreadable()) {
            unreadable(inner.parsedBy(), inner.parseError());
        } else if (inner.parsedBy() == ParsedBy.FULL_PARSER) {
            parsedBy = ParsedBy.FULL_PARSER;
        }
        if (inner.roleChange() != null) {
            roleChange = inner.roleChange();
        }
        if (inner.searchPathChange() != null) {
            searchPathChange = inner.searchPathChange();
        }
        localChange |= inner.localChange();
        lexingChange |= inner.lexingChange();
        if (inner.preparedStatement() != null) {
            preparedStatement = inner.preparedStatement(); // EXPLAIN ANALYZE EXECUTE runs the prepared statement
        }
    }

    /**
     * A PREPARE or DECLARE CURSOR runs its query later (at EXECUTE or FETCH): a change of role, search_path or
     * client_encoding in it (set_config in the query) happens then, when the proxy cannot follow it, so it is an
     * unknown effect.
     */
    void deferSessionChange(String statement) {
        if (roleChange != null || searchPathChange != null || lexingChange) {
            unknown(statement + " a query that changes role, search_path or client_encoding when it runs");
            roleChange = null;
            searchPathChange = null;
            localChange = false;
            lexingChange = false;
        }
    }

    /** Takes over only the effects of evaluated expressions (EXECUTE arguments, COPY WHERE), not the kind. */
    void absorbEffectsOnly(StatementFacts inner) {
        tables.addAll(inner.tables());
        functions.addAll(inner.functions());
        unknownEffects.addAll(inner.unknownEffects());
        if (inner.parsedBy().unreadable()) {
            unreadable(inner.parsedBy(), inner.parseError());
        }
        if (inner.roleChange() != null) {
            roleChange = inner.roleChange();
        }
        if (inner.searchPathChange() != null) {
            searchPathChange = inner.searchPathChange();
        }
        localChange |= inner.localChange();
        lexingChange |= inner.lexingChange();
    }

    StatementFacts build(int index, int start, int end, String text, String fingerprint) {
        return new StatementFacts(index, start, end, text, kind, innerKind, parsedBy, parseError,
                List.copyOf(tables), List.copyOf(writes), List.copyOf(functions), List.copyOf(unknownEffects),
                limit, rowCapRewrite, copyHeader, roleChange,
                searchPathChange == null ? null : List.copyOf(searchPathChange),
                localChange, lexingChange, preparedStatement, setting, fingerprint);
    }
}
