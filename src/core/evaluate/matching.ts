/**
 * Maximum bipartite matching of roles to people (Kuhn's augmenting paths): each role gets
 * at most one person and each person counts for at most one role, and as many roles as
 * possible are filled — A holding {developer, operator} and B holding {developer} fill both.
 * `candidates` maps a role to the people (lower-case logins) who may fill it, in preference order.
 */
export function matchRolesToPeople(candidates: ReadonlyMap<string, ReadonlyArray<string>>): Map<string, string> {
  const roleOf = new Map<string, string>();
  const personOf = new Map<string, string>();
  const tryRole = (role: string, visited: Set<string>): boolean => {
    for (const person of candidates.get(role) ?? []) {
      if (visited.has(person)) continue;
      visited.add(person);
      const holder = roleOf.get(person);
      if (holder === undefined || tryRole(holder, visited)) {
        roleOf.set(person, role);
        personOf.set(role, person);
        return true;
      }
    }
    return false;
  };
  for (const role of candidates.keys()) tryRole(role, new Set());
  return personOf;
}
