import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  issueMarkerKey,
  markerSignature,
  verifyMarkerSignature,
} from "../../../src/core/markers/signature.js";

const KEY = "test-marker-key";
const subject = { model: "fraud-detector", version: "2.1.0", digest: `sha256:${"a".repeat(64)}`, intent: "ship" };
const sig = markerSignature(KEY, "sign-off", subject);

describe("canonicalJson", () => {
  it.each<[string, unknown, string]>([
    ["sorts keys", { b: 1, a: 2 }, '{"a":2,"b":1}'],
    [
      "sorts nested keys and keeps array order",
      { z: [{ y: 1, x: 2 }, 3], a: null },
      '{"a":null,"z":[{"x":2,"y":1},3]}',
    ],
    ["drops undefined fields, like JSON", { a: undefined, b: "x" }, '{"b":"x"}'],
  ])("%s", (_case, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe("marker signatures", () => {
  it("is the hex HMAC-SHA256 of the kind and the canonical JSON", () => {
    const expected = createHmac("sha256", KEY)
      .update(
        `sign-off\n${JSON.stringify({ digest: subject.digest, intent: "ship", model: subject.model, version: subject.version })}`,
      )
      .digest("hex");
    expect(sig).toBe(expected);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, { key?: string; kind?: string; payload?: unknown; sig?: unknown }, boolean]>([
    ["verifies what it signed", {}, true],
    [
      "verifies the same fields in another order",
      { payload: { intent: "ship", version: subject.version, digest: subject.digest, model: subject.model } },
      true,
    ],
    ["refuses a tampered digest", { payload: { ...subject, digest: `sha256:${"b".repeat(64)}` } }, false],
    ["refuses a tampered intent", { payload: { ...subject, intent: "decommission" } }, false],
    ["refuses a field added after signing", { payload: { ...subject, approvedBy: "mallory" } }, false],
    ["refuses another key", { key: "another-key" }, false],
    ["refuses the signature of another kind of marker", { kind: "sign-off-tracking" }, false],
    ["refuses a missing signature", { sig: undefined }, false],
    ["refuses an empty signature", { sig: "" }, false],
    ["refuses a signature that is not a string", { sig: 42 }, false],
    ["refuses a truncated signature", { sig: sig.slice(0, 32) }, false],
    ["refuses upper-case hex (never written)", { sig: sig.toUpperCase() }, false],
    ["refuses another signature", { sig: "0".repeat(64) }, false],
  ])("%s", (_case, change, expected) => {
    const given = "sig" in change ? change.sig : sig;
    expect(verifyMarkerSignature(change.key ?? KEY, change.kind ?? "sign-off", change.payload ?? subject, given)).toBe(
      expected,
    );
  });
});

describe("issueMarkerKey: markers are bound to their issue", () => {
  const place = { owner: "acme", repo: "models", issue: 100 };
  const bound = markerSignature(issueMarkerKey(KEY, place), "sign-off", subject);
  it.each<[string, { owner: string; repo: string; issue: number }, boolean]>([
    ["verifies in the issue it was signed for", place, true],
    [
      "verifies whatever the case of the repository name (GitHub ignores it)",
      { owner: "ACME", repo: "Models", issue: 100 },
      true,
    ],
    ["attack: pasted into another issue of the repository, it does not verify", { ...place, issue: 99 }, false],
    [
      "attack: pasted into the same issue number of another repository, it does not verify",
      { ...place, repo: "other" },
      false,
    ],
    ["attack: another owner's repository of the same name", { ...place, owner: "evil" }, false],
  ])("%s", (_case, where, verifies) => {
    expect(verifyMarkerSignature(issueMarkerKey(KEY, where), "sign-off", subject, bound)).toBe(verifies);
  });

  it("attack: a marker signed before markers were bound (with the marker key itself) verifies in no issue", () => {
    expect(verifyMarkerSignature(issueMarkerKey(KEY, place), "sign-off", subject, sig)).toBe(false);
  });
});
