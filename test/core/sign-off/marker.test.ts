import { describe, expect, it } from "vitest";
import { markerSignature } from "../../../src/core/markers/signature.js";
import { parseSignOffMarker, signedSubject, signOffMarker } from "../../../src/core/sign-off/marker.js";
import { DIGEST_A, DIGEST_B } from "../render/decisions.js";

const KEY = "test-marker-key";
const ref = { model: "fraud-detector", version: "2.1.0", digest: DIGEST_A };
/** The signature modelgate writes into the marker of `subject` under KEY. */
const sigOf = (subject: { model: string; version: string; digest: string; intent?: string }) =>
  markerSignature(KEY, "sign-off", {
    model: subject.model,
    version: subject.version,
    digest: subject.digest,
    intent: subject.intent ?? "ship",
  });

describe("the sign-off marker", () => {
  it("writes a hidden marker that reads back", () => {
    const marker = signOffMarker(ref, KEY);
    expect(marker).toBe(
      `<!-- modelgate:sign-off {"model":"fraud-detector","version":"2.1.0","digest":"${DIGEST_A}","sig":"${sigOf(ref)}"} -->`,
    );
    expect(parseSignOffMarker(`${marker}\n## Sign-off`, KEY)).toEqual(ref);
  });

  const valid = (data: Record<string, unknown>) => `<!-- modelgate:sign-off ${JSON.stringify(data)} -->`;
  /** A marker as modelgate would sign it for `data` (whose fields may still be invalid). */
  const signed = (data: Record<string, unknown>) => valid({ ...data, sig: sigOf(data as typeof ref) });
  it.each([
    { name: "no body", body: null },
    { name: "empty body", body: "" },
    { name: "no marker", body: "Please sign off fraud-detector 2.1.0" },
    { name: "garbled JSON", body: '<!-- modelgate:sign-off {"model":"fraud-detector","version": -->' },
    { name: "unterminated comment", body: `<!-- modelgate:sign-off ${JSON.stringify(ref)}` },
    { name: "JSON that is not an object", body: '<!-- modelgate:sign-off ["fraud-detector","2.1.0"] -->' },
    { name: "digest not a sha256", body: valid({ ...ref, digest: "sha256:xyz" }) },
    { name: "upper-case digest", body: valid({ ...ref, digest: DIGEST_A.toUpperCase() }) },
    { name: "version not semver", body: valid({ ...ref, version: "latest" }) },
    { name: "model name with markup", body: valid({ ...ref, model: "<img src=x>" }) },
    { name: "extra key smuggled in", body: valid({ ...ref, approvedBy: "mallory" }) },
    { name: "missing field", body: valid({ model: ref.model, version: ref.version }) },
    { name: "another kind of marker", body: `<!-- modelgate:end-of-life ${JSON.stringify(ref)} -->` },
    { name: "look-alike kind", body: `<!-- modelgate:sign-offx ${JSON.stringify(ref)} -->` },
    {
      name: "forged first marker before a genuine one",
      body: `${valid({ ...ref, digest: "sha256:forged" })}\n${signOffMarker(ref, KEY)}`,
    },
    { name: "unsigned marker (written by hand)", body: valid(ref) },
    { name: "digest edited after signing", body: valid({ ...ref, digest: DIGEST_B, sig: sigOf(ref) }) },
    { name: "version edited after signing", body: valid({ ...ref, version: "9.9.9", sig: sigOf(ref) }) },
    { name: "intent removed after signing", body: valid({ ...ref, sig: sigOf({ ...ref, intent: "decommission" }) }) },
    { name: "signed with another key", body: signOffMarker(ref, "another-key") },
    { name: "sig that is not hex", body: valid({ ...ref, sig: "z".repeat(64) }) },
    { name: "sig of the wrong length", body: valid({ ...ref, sig: sigOf(ref).slice(0, 62) }) },
    { name: "huge marker", body: `<!-- modelgate:sign-off {"model":"${"a".repeat(5000)}"} -->` },
  ])("rejects $name", ({ body }) => {
    expect(parseSignOffMarker(body, KEY)).toBeUndefined();
  });

  it.each<[string, string, ReturnType<typeof parseSignOffMarker>]>([
    ["a marker without intent is a ship issue", signed(ref), ref],
    ["an explicit ship intent reads the same", signed({ ...ref, intent: "ship" }), ref],
    [
      "a decommission marker keeps its intent",
      signed({ ...ref, intent: "decommission" }),
      { ...ref, intent: "decommission" },
    ],
    ["an unknown intent is garbled", signed({ ...ref, intent: "retire" }), undefined],
    [
      "an intent that is not a string is garbled",
      valid({ ...ref, intent: ["decommission"], sig: sigOf(ref) }),
      undefined,
    ],
  ])("intent: %s", (_case, body, expected) => {
    expect(parseSignOffMarker(body, KEY)).toEqual(expected);
  });

  it("a decommission issue is marked apart; a ship issue as it always was", () => {
    const decommission = { ...ref, intent: "decommission" as const };
    expect(signOffMarker(decommission, KEY)).toBe(
      `<!-- modelgate:sign-off {"model":"fraud-detector","version":"2.1.0","digest":"${DIGEST_A}","intent":"decommission","sig":"${sigOf(decommission)}"} -->`,
    );
    expect(signOffMarker({ ...ref, intent: "ship" }, KEY)).toBe(signOffMarker(ref, KEY));
    expect(parseSignOffMarker(signOffMarker(decommission, KEY), KEY)).toEqual(decommission);
  });

  it("only the first marker counts: a second, valid one for another digest is ignored", () => {
    const body = `${signOffMarker(ref, KEY)}\ntext\n${signOffMarker({ ...ref, digest: DIGEST_B }, KEY)}`;
    expect(parseSignOffMarker(body, KEY)).toEqual(ref);
  });
});

describe("signedSubject", () => {
  it.each([
    { name: "a ship ref spells out its intent", ref, signed: { ...ref, intent: "ship" } },
    {
      name: "an explicit ship intent signs the same",
      ref: { ...ref, intent: "ship" as const },
      signed: { ...ref, intent: "ship" },
    },
    {
      name: "a decommission keeps its intent",
      ref: { ...ref, intent: "decommission" as const },
      signed: { ...ref, intent: "decommission" },
    },
    {
      name: "fields beyond the subject are not signed",
      ref: { ...ref, manifestPath: "models/fraud/model.yaml" },
      signed: { ...ref, intent: "ship" },
    },
  ])("$name", ({ ref: given, signed }) => {
    expect(signedSubject(given)).toStrictEqual(signed);
  });
});
