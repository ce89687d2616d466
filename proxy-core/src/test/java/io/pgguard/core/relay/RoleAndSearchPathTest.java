package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.Verdict;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How PostgreSQL keeps role and search_path changes across transactions, as PgGuard follows them from what the
 * server answers: command tags, errors and ReadyForQuery. (End to end against PostgreSQL:
 * RuleKindsEndToEndTest.searchPathChangesFollowTheirTransactions.)
 */
class RoleAndSearchPathTest {
    private final RoleAndSearchPath session = new RoleAndSearchPath(List.of("start"));

    private static Verdict setPath(String schema) {
        return Verdict.forward(null).withNewSearchPath(List.of(schema));
    }

    private static Verdict setLocalPath(String schema) {
        return setPath(schema).withSessionChangeIsLocal();
    }

    private List<String> path() {
        return session.now().searchPath();
    }

    @Test
    void aChangeOutsideABlockCommitsWithItsImplicitTransaction() {
        session.changed(setPath("a"));
        session.readyForQuery('I');
        assertEquals(List.of("a"), path());
        assertNull(session.possible());
    }

    @Test
    void anErrorInTheImplicitTransactionUndoesItsChanges() {
        session.changed(setPath("a"));
        session.error();
        session.readyForQuery('I');
        assertEquals(List.of("start"), path());
    }

    @Test
    void aBlockKeepsItsChangesOnlyIfItCommits() {
        session.commandTag("BEGIN");
        session.changed(setPath("a"));
        session.readyForQuery('T');
        assertEquals(List.of("a"), path(), "in force inside the block");
        session.commandTag("ROLLBACK");
        session.readyForQuery('I');
        assertEquals(List.of("start"), path());

        session.commandTag("BEGIN");
        session.changed(setPath("b"));
        session.commandTag("COMMIT");
        session.readyForQuery('I');
        assertEquals(List.of("b"), path());
    }

    /** A failed block answers COMMIT with ROLLBACK; a COMMIT that fails itself (a deferred constraint) answers none. */
    @Test
    void aCommitThatFailsUndoesTheBlock() {
        session.commandTag("BEGIN");
        session.changed(setPath("a"));
        session.error();
        session.readyForQuery('I');
        assertEquals(List.of("start"), path());
    }

    @Test
    void setLocalEndsWithItsTransactionAndASessionSetAfterItStays() {
        session.commandTag("BEGIN");
        session.changed(setLocalPath("local"));
        assertEquals(List.of("local"), path());
        session.commandTag("COMMIT");
        session.readyForQuery('I');
        assertEquals(List.of("start"), path());

        session.commandTag("BEGIN");
        session.changed(setLocalPath("local"));
        session.changed(Verdict.forward(null).withNewEffectiveRole("bob"));
        session.commandTag("COMMIT");
        session.readyForQuery('I');
        assertEquals(List.of("start"), path(), "the LOCAL path ended");
        assertEquals("bob", session.now().role(), "the role set for the session stayed");
    }

    /** ROLLBACK TO SAVEPOINT answers ROLLBACK too: PgGuard cannot tell which change it undid. */
    @Test
    void aRollbackToASavepointLeavesEveryValueOfTheBlockPossible() {
        session.commandTag("BEGIN");
        session.changed(setPath("a"));
        session.commandTag("SAVEPOINT");
        session.changed(setPath("b"));
        session.commandTag("ROLLBACK");
        session.readyForQuery('T');
        assertEquals(Set.of(List.of("start"), List.of("a"), List.of("b")), paths());
        session.commandTag("COMMIT");
        session.readyForQuery('I');
        assertEquals(Set.of(List.of("start"), List.of("a"), List.of("b")), paths(), "committed, one of them");

        session.changed(setPath("c"));
        session.readyForQuery('I');
        assertNull(session.possible(), "a new SET of the path settles it");
        assertEquals(List.of("c"), path());
    }

    /** A failed Query string: its changes may or may not have been made; ReadyForQuery settles what it can. */
    @Test
    void aFailedStringsChangesArePossibleWhereACommitMayHaveKeptThem() {
        session.error();
        session.maybeChanged(setPath("a"));
        session.readyForQuery('I');
        assertEquals(List.of("start"), path(), "an implicit transaction that failed undid them all");
        assertNull(session.possible());

        session.commandTag("BEGIN");
        session.commandTag("COMMIT");
        session.error();
        session.maybeChanged(setPath("a"));
        session.readyForQuery('I');
        assertEquals(Set.of(List.of("start"), List.of("a")), paths(), "BEGIN; SET; COMMIT; then a failure");
    }

    @Test
    void tooManyPossibleValuesLoseTrack() {
        session.commandTag("BEGIN");
        for (int i = 0; i <= RoleAndSearchPath.MAX_POSSIBLE; i++) {
            session.changed(setPath("s" + i));
        }
        assertFalse(session.lostTrack());
        session.commandTag("ROLLBACK");
        session.readyForQuery('T');
        assertTrue(session.lostTrack(), "after a ROLLBACK TO SAVEPOINT");
    }

    /** RESET search_path returns to the path the session started with, not to PostgreSQL's built-in default. */
    @Test
    void resetReturnsToThePathTheSessionStartedWith() {
        session.changed(setPath("a"));
        session.readyForQuery('I');
        session.changed(Verdict.forward(null).withNewSearchPath(List.of()));
        session.readyForQuery('I');
        assertEquals(List.of("start"), path());
    }

    /**
     * "$user" names the acting role's own schema. For the login user the server said whether it has one; for a
     * role switched to, PgGuard cannot tell, so that role's schema is one the rules must allow.
     */
    @Test
    void theUserEntryIsTheActingRolesOwnSchema() {
        Verdict userFirst = Verdict.forward(null).withNewSearchPath(List.of("$user", "public"));
        RoleAndSearchPath withOwnSchema = new RoleAndSearchPath(List.of("public"), "alice", "alice", true);
        withOwnSchema.changed(userFirst);
        assertEquals(List.of("alice", "public"), withOwnSchema.now().searchPath());
        withOwnSchema.changed(Verdict.forward(null).withNewEffectiveRole("bob"));
        assertEquals(List.of("bob", "public"), withOwnSchema.now().searchPath(), "re-resolved for the new role");
        assertEquals(List.of("$user", "public"), withOwnSchema.now().setting());

        RoleAndSearchPath withoutOwnSchema = new RoleAndSearchPath(List.of("public"), "carol", "carol", false);
        withoutOwnSchema.changed(userFirst);
        assertEquals(List.of("public"), withoutOwnSchema.now().searchPath(), "left out, as PostgreSQL leaves it out");
    }

    /**
     * ALTER ROLE alice SET role = admin starts alice's sessions acting as admin. RESET ROLE returns to admin, SET
     * ROLE NONE to alice (DISCARD ALL to either, by server version); the verdict does not tell them apart, so after
     * any of them both are possible.
     */
    @Test
    void aRoleTheServerStartsTheSessionAsIsInForceUntilAReset() {
        RoleAndSearchPath startedAsAdmin = new RoleAndSearchPath(List.of("public"), "alice", "admin", false);
        assertEquals("admin", startedAsAdmin.now().role());
        assertNull(startedAsAdmin.possible());
        startedAsAdmin.changed(Verdict.forward(null).withNewEffectiveRole("bob"));
        assertEquals("bob", startedAsAdmin.now().role());
        startedAsAdmin.changed(Verdict.forward(null).withNewEffectiveRole(""));
        assertEquals(Set.of("admin", "alice"), Set.copyOf(startedAsAdmin.all().stream()
                .map(v -> v.role() == null ? "alice" : v.role()).toList()));
    }

    private Set<List<String>> paths() {
        return Set.copyOf(session.all().stream().map(RoleAndSearchPath.Values::searchPath).toList());
    }
}
