import { z } from "zod";
import { roleHolderMentions } from "../evaluate/roles.js";
import { parseMarker, renderMarker } from "../markers/hidden-marker.js";
import { markerSignature, verifyMarkerSignature } from "../markers/signature.js";
import type { Policy } from "../policy/schema.js";
import { code } from "../render/markdown.js";
import { documentPath } from "../policy/governance-schema.js";
import type { DocumentStanding } from "./documents.js";

const DOCUMENT_REVIEW_KIND = "document-review";
export const DOCUMENT_REVIEW_LABEL = "governance-review";

/**
 * What a "Document review due" issue is about: one document of one repository, for one review that lapsed (its due
 * date, or "missing"). Once the document is reviewed and lapses again, that is a new issue.
 */
export interface DocumentReviewRef {
  repo: string;
  path: string;
  due: string;
}

const markerSchema = z.strictObject({
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  path: documentPath,
  due: z.string().regex(/^(\d{4}-\d{2}-\d{2}|missing)$/),
  sig: z.string().max(128),
});

/** The lapsed review a standing that is not current is about. */
export function documentReviewRef(repo: string, standing: DocumentStanding): DocumentReviewRef {
  return { repo, path: standing.document.path, due: standing.due ?? "missing" };
}

/** The signed hidden marker of a document-review issue: an edited or copied one never counts. */
export function documentReviewMarker(ref: DocumentReviewRef, markerKey: string): string {
  const payload = { repo: ref.repo.toLowerCase(), path: ref.path, due: ref.due };
  return renderMarker(DOCUMENT_REVIEW_KIND, {
    ...payload,
    sig: markerSignature(markerKey, DOCUMENT_REVIEW_KIND, payload),
  });
}

/** The review an issue is for, or undefined when its first marker is missing, unsigned, edited or for another repository. */
export function parseDocumentReviewMarker(
  body: string | null | undefined,
  markerKey: string,
  repo: string,
): DocumentReviewRef | undefined {
  const parsed = parseMarker(DOCUMENT_REVIEW_KIND, body, markerSchema);
  if (!parsed) return undefined;
  const { sig, ...payload } = parsed;
  if (payload.repo !== repo.toLowerCase()) return undefined;
  return verifyMarkerSignature(markerKey, DOCUMENT_REVIEW_KIND, payload, sig) ? payload : undefined;
}

export function documentIssueTitle(path: string): string {
  return `Document review due: ${path}`;
}

/** The issue body: the marker, what lapsed, who owns it and how to renew the review (docs/governance.md). */
export function renderDocumentIssueBody(input: {
  standing: DocumentStanding;
  repo: string;
  org: string;
  policy: Policy;
  markerKey: string;
}): string {
  const { standing, policy } = input;
  const document = standing.document;
  const mentions = roleHolderMentions(policy, document.owner_role, input.org);
  const owners = mentions.length > 0 ? mentions.join(" ") : `the ${document.owner_role} role (no holder is declared)`;
  return [
    documentReviewMarker(documentReviewRef(input.repo, standing), input.markerKey),
    "",
    `${standing.status === "missing" ? "❌ **Missing.**" : "⏳ **Review overdue.**"} ${standing.message}`,
    "",
    "| | |",
    "|---|---|",
    `| Document | ${code(document.path, true)} |`,
    `| Provisions | ${standing.provisions.join(", ")} |`,
    `| Review every | ${document.review_days} days |`,
    `| Owner role | ${code(document.owner_role, true)} |`,
    `| Gates releases | ${document.fail_release ? "yes: releases fail until it is reviewed" : "no"} |`,
    "",
    `${owners}: please review this document. A review is a commit that changes its text (whitespace alone does not count), or a record in ${code("governance/reviews.yaml")} signed off by the owner role (docs/governance.md).`,
    "",
    "modelgate closes this issue when the document is reviewed.",
  ].join("\n");
}

/** The comment an issue is closed with: the review that renewed the document, or why it is no longer required. */
export function renderDocumentClosedComment(standing: DocumentStanding | undefined, path: string): string {
  if (!standing) return `✅ ${code(path)} is no longer required by the policy's governance.documents: closing.`;
  if (standing.status !== "current") return `🔁 ${standing.message} Another issue tracks it now: closing this one.`;
  return `✅ Reviewed: ${standing.message} Closing.`;
}
