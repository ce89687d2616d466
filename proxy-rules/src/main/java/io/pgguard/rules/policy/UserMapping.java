package io.pgguard.rules.policy;

import java.util.List;

/** Login users matching {@code users} get the listed roles. */
public record UserMapping(Glob users, List<String> roles) {
}
