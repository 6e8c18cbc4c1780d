import { describe, expect, it } from "vitest";
import type { ModelChange } from "../../../src/core/detect/types.js";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { replaySignOffs } from "../../../src/core/sign-off/replay.js";
import {
  gatedVersions,
  issueReplayContext,
  MAX_FORMER_AUTHORS,
  MAX_TRACKED_PULLS,
  TrackingFull,
  trackingFullMessage,
  parseTracking,
  renderTrackingMarker,
  signOffIssueBody,
  trackedAuthors,
  trackedRoles,
  trackPullRequest,
  type GatedVersion,
  type SignOffTracking,
} from "../../../src/core/sign-off/issue.js";
import { parseSignOffMarker } from "../../../src/core/sign-off/marker.js";
import { markerSignature } from "../../../src/core/markers/signature.js";
import { repositoryModelFiles, testPolicy } from "../../fixtures/manifests.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const KEY = "test-marker-key";
const REF = { model: "fraud-detector", version: "2.1.0", digest: DIGEST };
const VERSION: GatedVersion = {
  model: "fraud-detector",
  version: "2.1.0",
  digest: DIGEST,
  manifestPath: "models/fraud/model.yaml",
  kinds: ["retrain"],
  roles: ["developer", "system_operator"],
};
const TRACKING: SignOffTracking = {
  manifestPath: "models/fraud/model.yaml",
  kinds: ["retrain"],
  evaluation: { date: "2026-11-20", evaluator: "eve", result: "pass" },
  pulls: [
    { number: 7, author: "dana", roles: ["developer", "system_operator"] },
    { number: 9, author: "erin", roles: ["developer", "data_custodian"] },
  ],
};

describe("the tracking marker", () => {
  const marker = (tracking: SignOffTracking) => renderTrackingMarker(tracking, REF, KEY);
  const withSig = (data: object, sig: string) =>
    `<!-- modelgate:sign-off-tracking ${JSON.stringify({ ...data, sig })} -->`;
  const sigOf = (tracking: SignOffTracking, ref: typeof REF & { intent?: string } = REF, key = KEY) =>
    markerSignature(key, "sign-off-tracking", { subject: { ...ref, intent: ref.intent ?? "ship" }, tracking });
  const withoutDana = { ...TRACKING, pulls: TRACKING.pulls.filter((p) => p.author !== "dana") };
  it.each<[string, string | null | undefined, SignOffTracking | undefined]>([
    ["reads back what was written", `intro\n${marker(TRACKING)}\nrest`, TRACKING],
    ["writes its signature last", withSig(TRACKING, sigOf(TRACKING)), TRACKING],
    ["is unsigned (written by hand)", `<!-- modelgate:sign-off-tracking ${JSON.stringify(TRACKING)} -->`, undefined],
    ["had an author removed after signing", withSig(withoutDana, sigOf(TRACKING)), undefined],
    [
      "was copied from the issue of another digest",
      renderTrackingMarker(TRACKING, { ...REF, digest: `sha256:${"b".repeat(64)}` }, KEY),
      undefined,
    ],
    [
      "was copied from the decommission issue of this digest",
      renderTrackingMarker(TRACKING, { ...REF, intent: "decommission" }, KEY),
      undefined,
    ],
    ["was signed with another key", renderTrackingMarker(TRACKING, REF, "another-key"), undefined],
    [
      "has a sig that is not a string",
      `<!-- modelgate:sign-off-tracking ${JSON.stringify({ ...TRACKING, sig: 1 })} -->`,
      undefined,
    ],
    ["is absent", "<!-- modelgate:sign-off {} -->\n## Sign-off", undefined],
    ["is empty input", null, undefined],
    ["has broken JSON", '<!-- modelgate:sign-off-tracking {"pulls": [ -->', undefined],
    ["is not closed", "<!-- modelgate:sign-off-tracking {}", undefined],
    [
      "names a role that is not a role name",
      marker({ ...TRACKING, pulls: [{ number: 7, author: "dana", roles: ["Developer!"] }] }),
      undefined,
    ],
    ["carries an unknown field", marker({ ...TRACKING, approvedBy: "mallory" } as SignOffTracking), undefined],
    ["is too long to be ours", `<!-- modelgate:sign-off-tracking {"x":"${"y".repeat(40_000)}"} -->`, undefined],
  ])("%s", (_case, body, expected) => {
    expect(parseTracking(body, REF, KEY)).toEqual(expected);
  });

  it("escapes < and > so a path can never close the hidden comment", () => {
    const text = marker({ ...TRACKING, manifestPath: "models/--><b>x</b>/model.yaml" });
    expect(text.indexOf("-->")).toBe(text.length - 3);
    expect(parseTracking(text, REF, KEY)?.manifestPath).toBe("models/--><b>x</b>/model.yaml");
  });
});

describe("trackPullRequest", () => {
  it.each<[string, SignOffTracking | undefined, number[]]>([
    ["starts a tracking", undefined, [7]],
    ["adds a new pull request last", { ...TRACKING, pulls: [{ number: 3, author: "x", roles: [] }] }, [3, 7]],
    ["replaces the pull request's own entry", TRACKING, [9, 7]],
    [
      "forgets the oldest beyond the limit",
      {
        ...TRACKING,
        pulls: Array.from({ length: MAX_TRACKED_PULLS }, (_, i) => ({ number: 1000 + i, author: "x", roles: [] })),
      },
      [...Array.from({ length: MAX_TRACKED_PULLS - 1 }, (_, i) => 1001 + i), 7],
    ],
  ])("%s", (_case, tracking, numbers) => {
    const tracked = trackPullRequest(tracking, VERSION, { number: 7, author: "dana", roles: ["developer"] });
    expect(tracked.pulls.map((p) => p.number)).toEqual(numbers);
    expect(tracked.pulls.at(-1)).toEqual({ number: 7, author: "dana", roles: ["developer"] });
    expect(tracked.manifestPath).toBe(VERSION.manifestPath);
  });

  const fullTracking = (authorOf: (i: number) => string): SignOffTracking => ({
    ...TRACKING,
    pulls: Array.from({ length: MAX_TRACKED_PULLS }, (_, i) => ({ number: 1000 + i, author: authorOf(i), roles: [] })),
  });

  it.each<[string, SignOffTracking, string]>([
    [
      "attack: the author of the oldest pull request, pushed out of the list, is still an author",
      fullTracking((i) => (i === 0 ? "Mallory" : "x")),
      "mallory",
    ],
    [
      "attack: authors pushed out earlier stay authors",
      { ...fullTracking(() => "x"), formerAuthors: ["mallory"] },
      "mallory",
    ],
  ])("%s", (_case, tracking, author) => {
    const tracked = trackPullRequest(tracking, VERSION, { number: 7, author: "dana", roles: ["developer"] });
    expect(tracked.pulls).toHaveLength(MAX_TRACKED_PULLS);
    expect(tracked.pulls.some((p) => p.author.toLowerCase() === author)).toBe(false);
    expect(trackedAuthors(tracked)).toContain(author);
    // the result is what the signed marker carries and verifies as
    expect(parseTracking(renderTrackingMarker(tracked, REF, KEY), REF, KEY)).toEqual(tracked);
  });

  it("attack: when no more authors can be kept, tracking fails closed instead of forgetting one", () => {
    const former = Array.from({ length: MAX_FORMER_AUTHORS }, (_, i) => `former-${i}`);
    const tracking = { ...fullTracking((i) => (i === 0 ? "newcomer-pushed-out" : "x")), formerAuthors: former };
    expect(() => trackPullRequest(tracking, VERSION, { number: 7, author: "dana", roles: [] })).toThrow(TrackingFull);
    // an author already known costs nothing: the same tracking takes a pull request by an author still listed
    expect(
      trackPullRequest({ ...fullTracking(() => "x"), formerAuthors: former }, VERSION, {
        number: 7,
        author: "x",
        roles: [],
      }).formerAuthors,
    ).toEqual(former.sort());
  });

  it.each<[string, Parameters<typeof trackingFullMessage>[0], string]>([
    [
      "a ship issue",
      { issue: 4, ref: REF, pullRequest: 7, reason: "it already tracks 100 pull requests" },
      "sign-off issue #4 of fraud-detector 2.1.0 cannot track pull request #7: it already tracks 100 pull requests; ask an administrator (docs/security.md, capped author list)",
    ],
    [
      "a decommission issue",
      { issue: 4, ref: { ...REF, intent: "decommission" }, pullRequest: 12, reason: "full" },
      "sign-off issue #4 of the decommission of fraud-detector 2.1.0 cannot track pull request #12: full; ask an administrator (docs/security.md, capped author list)",
    ],
  ])("when tracking is full, the gate says so: %s", (_case, input, message) => {
    expect(trackingFullMessage(input)).toBe(message);
  });

  it("the message carries TrackingFull's own reason", () => {
    const former = Array.from({ length: MAX_FORMER_AUTHORS }, (_, i) => `former-${i}`);
    const tracking = { ...fullTracking((i) => (i === 0 ? "newcomer-pushed-out" : "x")), formerAuthors: former };
    let reason = "";
    try {
      trackPullRequest(tracking, VERSION, { number: 7, author: "dana", roles: [] });
    } catch (error) {
      reason = (error as TrackingFull).message;
    }
    expect(trackingFullMessage({ issue: 4, ref: REF, pullRequest: 7, reason })).toBe(
      `sign-off issue #4 of fraud-detector 2.1.0 cannot track pull request #7: it already tracks ${MAX_TRACKED_PULLS} pull requests and ${MAX_FORMER_AUTHORS} authors of older ones: tracking #7 too would forget an author; ask an administrator (docs/security.md, capped author list)`,
    );
  });

  it("knows every author and the union of the roles, in first-seen order", () => {
    expect(trackedAuthors(TRACKING)).toEqual(["dana", "erin"]);
    expect(trackedRoles(TRACKING)).toEqual(["developer", "system_operator", "data_custodian"]);
    expect(trackedRoles(undefined)).toEqual([]);
  });
});

describe("issueReplayContext", () => {
  const policy = testPolicy();
  const comment = (id: number, login: string, body: string) => ({
    id,
    login,
    body,
    createdAt: `2026-11-28T10:0${id}:00Z`,
    edited: false,
  });

  it.each([
    ["an author of any tracked pull request is refused", "erin", "developer", false],
    ["a live author of an open pull request is refused", "frank", "developer", false],
    ["a holder who authored nothing is accepted", "dev1", "developer", true],
    ["a role only another tracked PR needs can still be signed", "custodian1", "data_custodian", true],
  ])("%s", (_case, login, role, accepted) => {
    const ctx = issueReplayContext(policy, {}, TRACKING, {
      authors: ["Frank"],
      teamMembership: { frank: { "ml-engineers": true } },
      org: "acme",
    });
    const state = replaySignOffs([comment(1, login, `/approve ${role}`)], ctx);
    expect(state.outcomes[0]?.accepted).toBe(accepted);
  });
});

describe("signOffIssueBody", () => {
  const policy = testPolicy();
  const ref = { model: "fraud-detector", version: "2.1.0", digest: DIGEST };
  const state = {
    roles: {
      developer: { state: "approved" as const, by: "dev1", at: "2026-11-28T10:00:00Z", commentId: 1 },
      data_custodian: {
        state: "rejected" as const,
        by: "custodian1",
        at: "2026-11-28T10:01:00Z",
        reason: "retention | terms unclear",
        commentId: 2,
      },
    },
    override: { by: "sec1", reason: "incident 42", at: "2026-11-28T10:02:00Z" },
    outcomes: [],
  };
  const body = signOffIssueBody({
    ref,
    tracking: TRACKING,
    state,
    policy,
    org: "acme",
    repositoryUrl: "https://github.com/acme/models",
    markerKey: KEY,
  });
  const lines = body.split("\n");

  it("keeps the identity marker first and the tracking marker second", () => {
    expect(parseSignOffMarker(body, KEY)).toEqual(ref);
    expect(lines[1]).toBe(renderTrackingMarker(TRACKING, ref, KEY));
    expect(parseTracking(body, ref, KEY)).toEqual(TRACKING);
  });

  it.each([
    "| developer | ✅ approved | @dev1 | @dev1, @dev2, @acme/ml-engineers |",
    "| system_operator | ⏳ pending |  | @ops1, @acme/platform-ops |",
    "| data_custodian | ❌ rejected: retention \\| terms unclear | @custodian1 | @custodian1, @acme/data-governance |",
    "> ⚠️ **Overridden by @sec1:** incident 42 (2026-11-28T10:02:00Z). The gate of this digest passes by break glass; the reason is part of the audit trail.",
    "- [#7](https://github.com/acme/models/pull/7)",
    "- [#9](https://github.com/acme/models/pull/9)",
  ])("shows %s", (line) => {
    expect(lines).toContain(line);
  });
});

describe("gatedVersions", () => {
  const policy = testPolicy();
  const loaded = (version: string, evaluations: Array<{ digest?: string; date: string }>) => {
    const files = repositoryModelFiles({
      dir: "m",
      name: "fraud-detector",
      version,
      weights: `w ${version}`,
      prompt: "p\n",
      ...(evaluations[0]
        ? {
            evaluation: {
              evaluator: "eve",
              date: evaluations[0].date,
              ...(evaluations[0].digest ? { digest: evaluations[0].digest } : {}),
            },
          }
        : {}),
    });
    const result = loadManifest("m/model.yaml", files.files["m/model.yaml"]!);
    if (!result.ok) throw new Error("fixture");
    return { loaded: result.loaded, digest: files.digest };
  };
  const change = (kinds: ModelChange["kinds"], head = loaded("2.1.0", [{ date: "2026-11-20" }])): ModelChange => ({
    name: "fraud-detector",
    manifestPath: "m/model.yaml",
    head: head.loaded,
    kinds,
    fromVersion: "2.0.0",
    toVersion: "2.1.0",
    digest: head.digest,
    changedComponents: [],
    findings: [],
  });

  it.each<[string, ModelChange, Partial<GatedVersion> | undefined]>([
    [
      "a retrain needs developer and system_operator",
      change(["retrain"]),
      { roles: ["developer", "system_operator"], evaluation: { date: "2026-11-20", evaluator: "eve", result: "pass" } },
    ],
    ["a metadata change needs nobody: no issue", change(["metadata"]), undefined],
    [
      "kinds add up their roles",
      change(["retrain", "training_data"]),
      { roles: ["developer", "system_operator", "data_custodian"] },
    ],
    [
      "a decommission is its own subject: same digest, intent decommission",
      change(["decommission"]),
      { intent: "decommission", roles: ["system_operator", "data_custodian"] },
    ],
    ["a decommission with other kinds is still one", change(["decommission", "metadata"]), { intent: "decommission" }],
  ])("%s", (_case, modelChange, expected) => {
    const [gated] = gatedVersions(policy, [modelChange]);
    if (expected === undefined) expect(gated).toBeUndefined();
    else
      expect(gated).toMatchObject({
        model: "fraud-detector",
        version: "2.1.0",
        digest: modelChange.digest,
        ...expected,
      });
  });

  it("a version that ships carries no intent, so its issue marker stays as it always was", () => {
    const [gated] = gatedVersions(policy, [change(["retrain"])]);
    expect(gated && "intent" in gated).toBe(false);
  });

  it("does not show an evaluation of other artefacts", () => {
    const [gated] = gatedVersions(policy, [
      change(["retrain"], loaded("2.1.0", [{ date: "2026-11-20", digest: `sha256:${"b".repeat(64)}` }])),
    ]);
    expect(gated?.roles).toEqual(["developer", "system_operator"]);
    expect(gated && "evaluation" in gated).toBe(false);
  });
});
