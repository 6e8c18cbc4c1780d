import { createHash } from "node:crypto";
import { z } from "zod";
import type { FileContent, TreeEntry } from "../detect/snapshot.js";
import type { Requirement } from "../evaluate/types.js";
import { documentPath, documentProvisions, type GovernanceDocument } from "../policy/governance-schema.js";
import { loadYaml, type FileError } from "../yaml/load-yaml.js";
import { zodIssuesToFileErrors } from "../yaml/zod-errors.js";

export const REVIEWS_PATH = "governance/reviews.yaml";
/** How many commits of a document's history are read: enough to pass over whitespace-only commits. */
export const DOCUMENT_HISTORY_DEPTH = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One commit that touched a document, as git's or GitHub's history of the path lists it (newest first). */
export interface DocumentCommit {
  sha: string;
  /** Committer date, ISO 8601. */
  date: string;
  author?: string;
  /** The document's text after this commit; undefined when the commit deleted it or it is not text. */
  text?: string;
}

/** The document at the judged commit of the default branch. */
export type DocumentFile =
  | { kind: "file"; text: string; sha256: string }
  | { kind: "missing" }
  /** A symlink, a folder, too large, not text: not a document modelgate can vouch for. */
  | { kind: "unusable"; reason: string };

/**
 * A `reviews:` record of governance/reviews.yaml. Its owner role's sign-off is the gate it passed to reach the default
 * branch (requirement `governance.review:<path>`, review-record-requirements.ts): only records read from the default
 * branch (or the audited commit) are ever given to documentStanding, never a pull request's head.
 */
export interface ReviewRecord {
  path: string;
  /** YYYY-MM-DD */
  date: string;
  /** SHA-256 of the document's bytes that were reviewed. */
  sha256: string;
  reviewer: string;
  /** The merged pull request that added it to the default branch, when GitHub's history names it (recordPullRequest). */
  pullRequest?: number;
}

/** A record's identity: the same path, date, content and reviewer (a login, so in any case) is the same record. */
export function reviewRecordKey(record: ReviewRecord): string {
  return JSON.stringify([record.path, record.date, record.sha256, record.reviewer.toLowerCase()]);
}

/** How many commits of governance/reviews.yaml's history are read to name the pull request that added a record. */
export const REVIEWS_HISTORY_DEPTH = 10;

/** One commit that touched governance/reviews.yaml (newest first): its records, and the merged pull request of it. */
export interface ReviewsCommit {
  /** undefined: the file was deleted, or not valid, at this commit. */
  records?: ReviewRecord[];
  pullRequest?: number;
}

/**
 * The merged pull request that added `record` (docs/governance.md "Review records"), for the evidence only: the commit
 * of the history read from which on the record is present, and its pull request. Undefined when the history read
 * does not reach the commit that added it, or GitHub names no merged pull request for it.
 */
export function recordPullRequest(
  record: ReviewRecord,
  history: ReadonlyArray<ReviewsCommit>,
  historyTruncated: boolean,
): number | undefined {
  const key = reviewRecordKey(record);
  const holds = (commit: ReviewsCommit | undefined): boolean =>
    commit?.records?.some((r) => reviewRecordKey(r) === key) === true;
  for (let i = 0; i < history.length; i++) {
    if (!holds(history[i])) return undefined;
    const older = history[i + 1];
    if (older === undefined) return historyTruncated ? undefined : history[i]!.pullRequest;
    if (!holds(older)) return history[i]!.pullRequest;
  }
  return undefined;
}

export interface DocumentFacts {
  file: DocumentFile;
  /** Commits that touched the path, newest first. */
  history: DocumentCommit[];
  /** More commits touched the path than were read: the oldest listed one's "before" is unknown. */
  historyTruncated: boolean;
  /** The records of governance/reviews.yaml where they are trusted: the default branch, or the audited commit. */
  records: ReviewRecord[];
  /** Where the records were read, for the evidence: "on the default branch", "at the audited commit". */
  recordsAt: string;
}

export interface DocumentReview {
  date: string;
  how: "commit" | "record";
  /** The commit (how: commit) or the reviewer (how: record). */
  by?: string;
  sha?: string;
  /** how: record: where the record was read ("on the default branch"). */
  at?: string;
  /** how: record: the merged pull request that added it, when known. */
  pullRequest?: number;
}

export interface DocumentStanding {
  document: GovernanceDocument;
  provisions: string[];
  status: "current" | "overdue" | "missing";
  review?: DocumentReview;
  /** YYYY-MM-DD: the day the review expires (review date + review_days). */
  due?: string;
  /** What the gate, the issue and the audit say about it. */
  message: string;
  /** Review records that did not count, with why. */
  refusedRecords: string[];
}

/**
 * Whitespace does not review a document: runs of white space become one space, the ends are trimmed. A commit counts
 * as a review only when it changed the normalised text (docs/governance.md, What counts as a review).
 */
export function normaliseDocument(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

/**
 * The newest commit of the history that changed the document's normalised text. `undefined` when none did, or when
 * the only candidates lie beyond a cut history (a commit whose "before" is unknown is not taken for a review).
 */
export function lastContentCommit(
  history: ReadonlyArray<DocumentCommit>,
  historyTruncated: boolean,
): DocumentCommit | undefined {
  for (let i = 0; i < history.length; i++) {
    const commit = history[i]!;
    if (commit.text === undefined) continue;
    const older = history[i + 1];
    if (older === undefined) {
      // the oldest commit listed: when the history is whole it created the document
      return historyTruncated ? undefined : commit;
    }
    if (older.text === undefined || normaliseDocument(older.text) !== normaliseDocument(commit.text)) return commit;
  }
  return undefined;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Why a review record does not count for this document's current text, or undefined when it counts
 * (docs/governance.md "Review records"). Who may add one is the pull request gate's rule (`governance.review:<path>`);
 * here: the record names the exact bytes the document has now, and a day on which those bytes already existed (not
 * before the newest commit that touched the path) that is not in the future.
 */
function recordRefusal(
  record: ReviewRecord,
  file: Extract<DocumentFile, { kind: "file" }>,
  history: ReadonlyArray<DocumentCommit>,
  now: Date,
): string | undefined {
  const named = `review record of ${record.date} by ${record.reviewer}`;
  if (record.sha256 !== file.sha256) return `${named}: reviewed other content than the document's`;
  if (Date.parse(`${record.date}T00:00:00Z`) > now.getTime()) return `${named}: dated in the future`;
  const lastTouched = history[0]?.date.slice(0, 10);
  if (lastTouched === undefined) return `${named}: the document's history could not be read, so its content is undated`;
  if (record.date < lastTouched) return `${named}: dated before the document's content of ${lastTouched}`;
  return undefined;
}

/**
 * Whether a required document exists and was reviewed within `review_days` (docs/governance.md): the review is the
 * newer of the last commit that changed its normalised text and a review record of its current content (recordRefusal).
 */
export function documentStanding(document: GovernanceDocument, facts: DocumentFacts, now: Date): DocumentStanding {
  const provisions = documentProvisions(document);
  const base = { document, provisions };
  const refusedRecords: string[] = [];
  if (facts.file.kind !== "file") {
    const reason = facts.file.kind === "missing" ? "does not exist" : `is not a document: ${facts.file.reason}`;
    return { ...base, status: "missing", message: `${document.path} ${reason}.`, refusedRecords };
  }
  const reviews: DocumentReview[] = [];
  const commit = lastContentCommit(facts.history, facts.historyTruncated);
  if (commit)
    reviews.push({
      date: commit.date.slice(0, 10),
      how: "commit",
      sha: commit.sha,
      ...(commit.author ? { by: commit.author } : {}),
    });
  for (const record of facts.records.filter((r) => r.path === document.path)) {
    const refusal = recordRefusal(record, facts.file, facts.history, now);
    if (refusal) refusedRecords.push(refusal);
    else
      reviews.push({
        date: record.date,
        how: "record",
        by: record.reviewer,
        at: facts.recordsAt,
        ...(record.pullRequest !== undefined ? { pullRequest: record.pullRequest } : {}),
      });
  }
  const review = reviews.sort((a, b) => b.date.localeCompare(a.date))[0];
  if (!review)
    return {
      ...base,
      status: "overdue",
      message: `${document.path} has no review modelgate can date (no commit changed its text, no review record of its current content).`,
      refusedRecords,
    };
  const due = addDays(review.date, document.review_days);
  const today = now.toISOString().slice(0, 10);
  const reviewed = `reviewed ${review.date} (${reviewSource(review)})`;
  if (due < today)
    return {
      ...base,
      status: "overdue",
      review,
      due,
      message: `${document.path} is overdue for review: ${reviewed}, due ${due} (every ${document.review_days} days).`,
      refusedRecords,
    };
  return {
    ...base,
    status: "current",
    review,
    due,
    message: `${document.path}: ${reviewed}, next due ${due}.`,
    refusedRecords,
  };
}

/**
 * "commit 1a2b3c4d5e6f by alice", "record of alice in governance/reviews.yaml, added by pull request #12",
 * "record of alice in governance/reviews.yaml on the default branch"
 */
export function reviewSource(review: DocumentReview): string {
  if (review.how === "record") {
    const record = `record of ${review.by ?? "unknown"} in ${REVIEWS_PATH}`;
    if (review.pullRequest !== undefined) return `${record}, added by pull request #${review.pullRequest}`;
    return `${record} ${review.at ?? ""}`.trim();
  }
  return `commit ${(review.sha ?? "").slice(0, 12)}${review.by ? ` by ${review.by}` : ""}`;
}

/**
 * The gate's requirements (docs/governance.md): a document marked `fail_release` that is missing or overdue fails;
 * the others are the daily run's and the audit's to report.
 */
export function documentRequirements(standings: ReadonlyArray<DocumentStanding>): Requirement[] {
  return standings
    .filter((s) => s.document.fail_release)
    .map((s) => ({
      id: `document:${s.document.path}`,
      status: s.status === "current" ? "met" : "failed",
      message: s.message,
      provision: s.provisions.join(", "),
      path: s.document.path,
    }));
}

const reviewsSchema = z.strictObject({
  reviews: z
    .array(
      z.strictObject({
        path: documentPath,
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date, YYYY-MM-DD"),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "the SHA-256 of the document's bytes, 64 lower-case hex digits"),
        reviewer: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub login"),
      }),
    )
    .max(1000)
    .default([]),
});

/** governance/reviews.yaml's records; an invalid file fails the pull request that changes it, with its line. */
export function parseReviewRecords(
  text: string,
  path = REVIEWS_PATH,
): { ok: true; records: ReviewRecord[] } | { ok: false; errors: FileError[] } {
  const parsed = loadYaml(path, text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const result = reviewsSchema.safeParse(parsed.yaml.value ?? {});
  if (!result.success)
    return { ok: false, errors: zodIssuesToFileErrors(result.error.issues, path, parsed.yaml.lineOf) };
  return { ok: true, records: result.data.reviews };
}

/**
 * What a tree entry and its content are as a document: a regular text file, or not one (a symlink is not followed,
 * since its target may lie outside the repository; binary and unreadable content cannot be reviewed).
 */
export function documentFile(entry: TreeEntry | undefined, content: FileContent | undefined): DocumentFile {
  if (!entry) return { kind: "missing" };
  if (entry.mode === "120000") return { kind: "unusable", reason: "a symbolic link" };
  if (entry.mode !== "100644" && entry.mode !== "100755") return { kind: "unusable", reason: `mode ${entry.mode}` };
  if (!content) return { kind: "unusable", reason: "not read" };
  if (content.kind === "binary") return { kind: "unusable", reason: "not text" };
  if (content.kind === "unreadable") return { kind: "unusable", reason: content.reason };
  return { kind: "file", text: content.text, sha256: createHash("sha256").update(content.text, "utf8").digest("hex") };
}
