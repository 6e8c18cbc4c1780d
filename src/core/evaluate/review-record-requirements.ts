import type { Snapshot } from "../detect/snapshot.js";
import type { Policy } from "../policy/schema.js";
import { documentProvisions } from "../policy/governance-schema.js";
import { parseReviewRecords, reviewRecordKey, REVIEWS_PATH, type ReviewRecord } from "../governance/documents.js";
import type { ApprovalFacts, Decision, Requirement, Verdict } from "./types.js";
import { approvalRequirements } from "./approval-requirements.js";

/** Whether a change touches governance/reviews.yaml (added, changed or deleted). */
export function reviewRecordsChanged(base: Snapshot, head: Snapshot): boolean {
  return base.entries.get(REVIEWS_PATH)?.blobSha !== head.entries.get(REVIEWS_PATH)?.blobSha;
}

/**
 * The requirements of a pull request that adds or changes review records (docs/governance.md "Review records"): for
 * each document with a new or changed record, `governance.review:<path>`, an approving review of the head commit by a
 * holder of the document's `owner_role` who is not an author (the rules of every review, approval-requirements.ts).
 * Records reach the default branch only through it, which is why the gates trust the records they read there. A
 * record for a path the policy does not name, and an invalid file, fail. A removed record needs nothing: it can only
 * make a document less current.
 */
export function reviewRecordRequirements(
  policy: Policy,
  base: Snapshot,
  head: Snapshot,
  facts: ApprovalFacts,
): Requirement[] {
  if (!reviewRecordsChanged(base, head) || !head.entries.has(REVIEWS_PATH)) return [];
  const headRecords = readRecords(head);
  if (!headRecords.ok) return headRecords.failed;
  // an unreadable or invalid base proves nothing was there before: every record is new (fail closed)
  const baseRecords = base.entries.has(REVIEWS_PATH) ? readRecords(base) : { ok: true as const, records: [] };
  const before = new Set((baseRecords.ok ? baseRecords.records : []).map(reviewRecordKey));
  const changedPaths = [
    ...new Set(headRecords.records.filter((r) => !before.has(reviewRecordKey(r))).map((r) => r.path)),
  ];
  return changedPaths.map((path) => recordRequirement(policy, facts, path, lineOf(head, path)));
}

function recordRequirement(policy: Policy, facts: ApprovalFacts, path: string, line: number): Requirement {
  const id = `governance.review:${path}`;
  const at = { path: REVIEWS_PATH, line };
  const document = policy.governance.documents.find((d) => d.path === path);
  if (!document)
    return {
      id,
      status: "failed",
      message: `${REVIEWS_PATH}:${line}: ${path} is not a document governance.documents names, so no role may review it: remove the record or add the document to the policy`,
      provision: "",
      ...at,
    };
  const role = document.owner_role;
  // reviews only, of the head commit, never by an author, whatever the policy lets a model change do
  const reviewsOnly: Policy = {
    ...policy,
    approvals: { ...policy.approvals, via: ["review"], allow_author: false, invalidate_on_push: true },
  };
  const [approval] = approvalRequirements({
    policy: reviewsOnly,
    facts,
    roles: [role],
    subjectKey: "",
    signOffs: undefined,
    at,
  });
  const provision = documentProvisions(document).join(", ");
  if (!approval) return { id, status: "failed", message: `no approval rule for ${role}`, provision, ...at };
  const message =
    approval.status === "met"
      ? `the review record of ${path} was ${approval.message}`
      : `${REVIEWS_PATH} records a review of ${path}, so its owner role ${role} must approve it: ${approval.message}`;
  return { ...approval, id, provision, message };
}

function readRecords(snapshot: Snapshot): { ok: true; records: ReviewRecord[] } | { ok: false; failed: Requirement[] } {
  const content = snapshot.contents.get(REVIEWS_PATH);
  const invalid = (line: number, message: string): Requirement => ({
    id: "governance.reviews.valid",
    status: "failed",
    message: `${REVIEWS_PATH}:${line}: ${message}`,
    provision: "",
    path: REVIEWS_PATH,
    line,
  });
  if (content?.kind !== "text") {
    const why = content?.kind === "unreadable" ? content.reason : "not text modelgate read";
    return { ok: false, failed: [invalid(1, why)] };
  }
  const parsed = parseReviewRecords(content.text);
  if (parsed.ok) return parsed;
  return { ok: false, failed: parsed.errors.slice(0, 10).map((error) => invalid(error.line, error.message)) };
}

/** The line of the last `path:` entry naming this document, for the annotation (1 when not found). */
function lineOf(snapshot: Snapshot, path: string): number {
  const content = snapshot.contents.get(REVIEWS_PATH);
  if (content?.kind !== "text") return 1;
  const lines = content.text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.includes(path)) return i + 1;
  return 1;
}

/** The decision with the review-record requirements added: a pending one makes a passing verdict action_required. */
export function withReviewRecordRequirements(decision: Decision, records: ReadonlyArray<Requirement>): Decision {
  if (records.length === 0 || decision.couldNotEvaluate !== undefined) return decision;
  let verdict: Verdict = decision.verdict;
  if (records.some((r) => r.status === "failed")) verdict = "failure";
  else if (verdict === "success" && records.some((r) => r.status === "pending")) verdict = "action_required";
  return { ...decision, verdict, reviewRecords: [...records] };
}
