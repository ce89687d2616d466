package io.pgguard.rules.policy;

import io.pgguard.rules.CommandKind;
import java.util.List;
import java.util.Set;

/** A named role of the rules: the statement kinds it may run and the relations it may touch. */
public record RoleGrant(String name, Set<CommandKind> statements, List<TableGrant> tables) {
}
