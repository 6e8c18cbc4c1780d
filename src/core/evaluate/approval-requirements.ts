import { CHANGE_KINDS, type ChangeKind, type Policy } from "../policy/schema.js";
import type { SignOffIntent } from "../sign-off/subject.js";
import type { SignOffState } from "../sign-off/replay.js";
import type { ApprovalFacts, Requirement } from "./types.js";
import { holdsRole, roleHolderMentions } from "./roles.js";
import { latestReviews } from "./reviews.js";
import { matchRolesToPeople } from "./matching.js";
import { trainingJudgement } from "../governance/training.js";

const PROVISION = "5.1.4-3";

/** The roles a change needs: the union of its kinds' gates, in the order the kinds are listed. */
export function requiredRoles(policy: Policy, kinds: ReadonlyArray<ChangeKind>): string[] {
  const roles = new Set<string>();
  for (const kind of kinds) for (const role of policy.gates[kind].approvals) roles.add(role);
  return [...roles];
}

/**
 * The roles any gate of the policy may ask of a model version with this intent (docs/sign-off.md "The rules"): the
 * union of the gates of every change kind such a change can have, judged against any baseline —
 * a pull request's base, a release or a deployment (which may judge a retrained model as
 * `new_model`). A shipping change is any kind but `decommission`; a decommission may come with
 * any kind but `new_model`. Its sign-off issue accepts exactly these roles.
 */
export function rolesAnyGateMayRequire(policy: Policy, intent: SignOffIntent): string[] {
  const excluded: ChangeKind = intent === "decommission" ? "new_model" : "decommission";
  return requiredRoles(
    policy,
    CHANGE_KINDS.filter((kind) => kind !== excluded),
  );
}

export interface ApprovalInput {
  policy: Policy;
  facts: ApprovalFacts;
  roles: ReadonlyArray<string>;
  /** signOffKey of the model change: which sign-off issue to link. */
  subjectKey: string;
  /** The replayed sign-off issue of this subject (undefined offline). */
  signOffs: SignOffState | undefined;
  /** Where pending approvals are annotated. */
  at: { path: string; line: number };
}

interface Candidate {
  login: string;
  evidence: string;
}

/**
 * Provision (docs/provisions.md) 5.1.4-3: one requirement per required role, met by an approving review on the
 * head commit and/or a standing sign-off, from a current holder who is not an author; with
 * `distinct_people`, one person fills at most one role (maximum matching).
 */
export function approvalRequirements(input: ApprovalInput): Requirement[] {
  const { policy, facts, roles, at } = input;
  if (roles.length === 0) return [];
  const viaReview = policy.approvals.via.includes("review");
  const viaSignOff = policy.approvals.via.includes("sign_off");
  const signOffUrl = Object.hasOwn(facts.signOffIssues, input.subjectKey)
    ? facts.signOffIssues[input.subjectKey]
    : undefined;
  const howTo = (role: string): string => {
    const comment = `comment \`/approve ${role}\` on the sign-off issue${signOffUrl ? ` (${signOffUrl})` : ""}`;
    if (viaReview && viaSignOff) return `approve this pull request in a review, or ${comment}`;
    return viaReview ? "approve this pull request in a review" : comment;
  };
  const holdersOf = (role: string): string => {
    const mentions = roleHolderMentions(policy, role, facts.org);
    return mentions.length > 0
      ? `held by ${mentions.join(", ")}`
      : `nobody holds it yet: add users or teams under roles.${role} in the policy`;
  };
  // one literal, not { ...base, status, message }: V8 gives every object spread and then extended its own hidden class
  const requirement = (role: string, status: Requirement["status"], message: string): Requirement => ({
    id: `approval:${role}`,
    provision: PROVISION,
    ...at,
    status,
    message,
  });

  if (!facts.available) {
    return roles.map((role) =>
      requirement(
        role,
        "pending",
        `approvals are read from GitHub: ${role} must sign off (${holdersOf(role)}); ${howTo(role)}`,
      ),
    );
  }

  const holds = (login: string, role: string): boolean => holdsRole(policy, facts.teamMembership, login, role);
  const isAuthor = (login: string): boolean => facts.authors.some((a) => a.toLowerCase() === login.toLowerCase());
  const candidates = new Map<string, Candidate[]>(roles.map((role) => [role, []]));
  const notes = new Map<string, string[]>(roles.map((role) => [role, []]));
  const generalNotes: string[] = [];

  // training (docs/governance.md "Training") is asked here for every candidate, as the replay asked it of each command
  const trained = (login: string, role: string, evidence: string): Candidate | undefined => {
    const training = trainingJudgement(policy, facts.training, login, role);
    if (!training.counts) {
      notes.get(role)?.push(`@${login} ${training.reason}`);
      return undefined;
    }
    return { login, evidence: training.warning ? `${evidence} (⚠️ ${training.warning})` : evidence };
  };
  const addCandidate = (role: string, login: string, evidence: string): void => {
    const candidate = trained(login, role, evidence);
    if (candidate) candidates.get(role)?.push(candidate);
  };

  if (viaSignOff && input.signOffs) {
    for (const role of roles) {
      const standing = input.signOffs.roles[role];
      if (standing?.state === "approved")
        addCandidate(role, standing.by, `signed off by @${standing.by} on the sign-off issue (${standing.at})`);
    }
    // a sign-off the replay refused for training: say why, or the signer sees only "pending"
    for (const outcome of input.signOffs.outcomes) {
      if (outcome.untrained === undefined || outcome.command.type !== "approve") continue;
      if (roles.includes(outcome.command.role))
        notes.get(outcome.command.role)?.push(`@${outcome.login} ${outcome.untrained}`);
    }
  }
  if (viaReview) {
    for (const review of latestReviews(facts.reviews)) {
      if (review.state !== "APPROVED") continue;
      const heldRoles = roles.filter((role) => holds(review.login, role));
      if (heldRoles.length === 0) {
        generalNotes.push(`@${review.login} approved but holds none of ${roles.join(", ")}`);
        continue;
      }
      let note: string | undefined;
      if (isAuthor(review.login) && !policy.approvals.allow_author)
        note = `@${review.login} is an author: their own approval does not count`;
      else if (policy.approvals.invalidate_on_push && review.commitId !== facts.headSha) {
        note = `@${review.login} approved an older commit (${review.commitId.slice(0, 7)}): a review counts for the head commit only`;
      }
      for (const role of heldRoles) {
        if (note) notes.get(role)?.push(note);
        else
          addCandidate(
            role,
            review.login,
            `approved by @${review.login} in a review of ${review.commitId.slice(0, 7)}`,
          );
      }
    }
  }

  const rejected = new Set(
    viaSignOff && input.signOffs ? roles.filter((role) => input.signOffs?.roles[role]?.state === "rejected") : [],
  );
  const assigned = assign(
    roles.filter((role) => !rejected.has(role)),
    candidates,
    policy.approvals.distinct_people,
  );

  return roles.map((role): Requirement => {
    const rejection = input.signOffs?.roles[role];
    if (rejected.has(role) && rejection) {
      return requirement(
        role,
        "pending",
        `rejected by @${rejection.by}: ${rejection.reason ?? "no reason given"} — a holder of ${role} comments \`/revoke ${role}\` on the sign-off issue to clear it`,
      );
    }
    const chosen = assigned.get(role);
    if (chosen) return requirement(role, "met", chosen.evidence);
    const why = [...(notes.get(role) ?? []), ...generalNotes];
    for (const candidate of candidates.get(role) ?? []) {
      const elsewhere = [...assigned.entries()].find(
        ([, c]) => c.login.toLowerCase() === candidate.login.toLowerCase(),
      );
      if (elsewhere)
        why.push(
          `@${candidate.login} already counts for ${elsewhere[0]}: one person signs off one role per model version`,
        );
    }
    const message = `${role} must sign off (${holdersOf(role)}); ${howTo(role)}`;
    return requirement(role, "pending", why.length > 0 ? `${message}. ${[...new Set(why)].join("; ")}` : message);
  });
}

function assign(
  roles: ReadonlyArray<string>,
  candidates: ReadonlyMap<string, Candidate[]>,
  distinctPeople: boolean,
): Map<string, Candidate> {
  const assigned = new Map<string, Candidate>();
  if (!distinctPeople) {
    for (const role of roles) {
      const first = candidates.get(role)?.[0];
      if (first) assigned.set(role, first);
    }
    return assigned;
  }
  const people = new Map(
    roles.map((role) => [role, [...new Set((candidates.get(role) ?? []).map((c) => c.login.toLowerCase()))]]),
  );
  for (const [role, person] of matchRolesToPeople(people)) {
    const candidate = candidates.get(role)?.find((c) => c.login.toLowerCase() === person);
    if (candidate) assigned.set(role, candidate);
  }
  return assigned;
}
