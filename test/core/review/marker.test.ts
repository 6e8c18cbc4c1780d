import { describe, expect, it } from "vitest";
import { markerSignature } from "../../../src/core/markers/signature.js";
import { parseReviewMarker, reviewMarker, type ReviewRef } from "../../../src/core/review/marker.js";

const KEY = "test-marker-key";
const DIGEST = `sha256:${"a".repeat(64)}`;
const ref: ReviewRef = { repo: "acme/models", model: "fraud-detector", digest: DIGEST, evaluated: "2026-06-15" };
const sigOf = (payload: ReviewRef) => markerSignature(KEY, "re-evaluation", payload);
const raw = (data: Record<string, unknown>) => `<!-- modelgate:re-evaluation ${JSON.stringify(data)} -->`;

describe("the review marker", () => {
  it("is signed over the repository (lower case), model, digest and evaluation date", () => {
    expect(reviewMarker({ ...ref, repo: "Acme/Models" }, KEY)).toBe(
      `<!-- modelgate:re-evaluation {"repo":"acme/models","model":"fraud-detector","digest":"${DIGEST}","evaluated":"2026-06-15","sig":"${sigOf(ref)}"} -->`,
    );
  });

  it.each<[string, string | undefined, string, ReviewRef | undefined]>([
    ["reads back what it wrote", reviewMarker(ref, KEY), "acme/models", ref],
    ["the repository is compared without case", reviewMarker(ref, KEY), "ACME/models", ref],
    [
      "a date-time evaluation reads back",
      reviewMarker({ ...ref, evaluated: "2026-06-15T10:00:00Z" }, KEY),
      "acme/models",
      { ...ref, evaluated: "2026-06-15T10:00:00Z" },
    ],
    ["no body", undefined, "acme/models", undefined],
    ["copied into another repository", reviewMarker(ref, KEY), "acme/other", undefined],
    ["signed with another key", reviewMarker(ref, "another-key"), "acme/models", undefined],
    ["unsigned", raw({ ...ref }), "acme/models", undefined],
    [
      "the date edited after signing",
      raw({ ...ref, evaluated: "2027-01-01", sig: sigOf(ref) }),
      "acme/models",
      undefined,
    ],
    [
      "the digest edited after signing",
      raw({ ...ref, digest: `sha256:${"b".repeat(64)}`, sig: sigOf(ref) }),
      "acme/models",
      undefined,
    ],
    ["a model name with markup", raw({ ...ref, model: "<b>x</b>", sig: sigOf(ref) }), "acme/models", undefined],
    ["a date that is not a date", raw({ ...ref, evaluated: "soon", sig: sigOf(ref) }), "acme/models", undefined],
    ["an extra key", raw({ ...ref, by: "mallory", sig: sigOf(ref) }), "acme/models", undefined],
  ])("%s", (_case, body, repo, expected) => {
    expect(parseReviewMarker(body, KEY, repo)).toStrictEqual(expected);
  });
});
