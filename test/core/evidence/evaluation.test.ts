import { describe, expect, it } from "vitest";
import { countingEvaluation, evaluationTime, type EvidenceCopy } from "../../../src/core/evidence/evaluation.js";
import { modelVersionEvidence } from "../../../src/core/evidence/model-evidence.js";
import { loadManifest, type LoadedManifest } from "../../../src/core/manifest/load-manifest.js";
import { approvalFacts, modelFiles, testPolicy } from "../../fixtures/manifests.js";

const SPEC = { dir: "models/fraud", name: "fraud", version: "1.0.0" };
const DIGEST = modelFiles(SPEC).digest;
const OTHER_DIGEST = `sha256:${"0".repeat(64)}`;

type Row = { version?: string; digest?: string; date: string; result: "pass" | "fail"; evaluator?: string };

/**
 * One copy of fraud 1.0.0's manifest holding `records` (in this order). The records are set on
 * the loaded manifest as given: a date the manifest schema would refuse still tests that the
 * choice fails closed on it (defence in depth).
 */
function copy(where: string, records: Row[]): EvidenceCopy {
  const evaluations = records.map((r) => ({
    version: r.version ?? "1.0.0",
    model_digest: r.digest ?? DIGEST,
    date: r.date,
    evaluator: r.evaluator ?? "eve",
    result: r.result,
    threats: {},
  }));
  const built = modelFiles({ ...SPEC, evaluation: false });
  const loaded = loadManifest(built.manifestPath, built.yaml);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return { where, loaded: { ...loaded.loaded, manifest: { ...loaded.loaded.manifest, evaluations } } };
}

const counting = (...copies: EvidenceCopy[]) => countingEvaluation({ version: "1.0.0", digest: DIGEST }, copies);
const pick = (...copies: EvidenceCopy[]) => {
  const found = counting(...copies);
  return found && { where: found.copy.where, date: found.record.date, result: found.record.result };
};

describe("countingEvaluation: which evaluation counts for a model version", () => {
  it.each<[string, EvidenceCopy[], { where: string; date: string; result: string } | undefined]>([
    ["no record at all", [copy("this commit", [])], undefined],
    [
      "only records of another digest or version",
      [
        copy("this commit", [
          { digest: OTHER_DIGEST, date: "2026-11-01", result: "pass" },
          { version: "0.9.0", date: "2026-11-01", result: "pass" },
        ]),
      ],
      undefined,
    ],
    [
      "within a copy the last listed record is its word, whatever its date",
      [
        copy("this commit", [
          { date: "2026-11-01", result: "pass" },
          { date: "2026-10-01", result: "fail" },
        ]),
      ],
      { where: "this commit", date: "2026-10-01", result: "fail" },
    ],
    [
      "attack: a newer failed record on the default branch outweighs the commit's older pass",
      [
        copy("this commit", [{ date: "2026-06-01", result: "pass" }]),
        copy("the default branch main", [{ date: "2026-11-25", result: "fail" }]),
      ],
      { where: "the default branch main", date: "2026-11-25", result: "fail" },
    ],
    [
      "attack: the release's old pass does not outweigh a newer fail in the base",
      [
        copy("this commit", [{ date: "2026-06-01", result: "pass" }]),
        copy("release v1", [{ date: "2026-06-01", result: "pass" }]),
        copy("the base", [{ date: "2026-11-25", result: "fail" }]),
      ],
      { where: "the base", date: "2026-11-25", result: "fail" },
    ],
    [
      "a newer pass elsewhere counts (a re-evaluation that landed on the default branch)",
      [
        copy("this commit", [{ date: "2026-06-01", result: "fail" }]),
        copy("the default branch main", [{ date: "2026-11-25", result: "pass" }]),
      ],
      { where: "the default branch main", date: "2026-11-25", result: "pass" },
    ],
    [
      "attack: of two records of the same day, the failed one counts",
      [
        copy("this commit", [{ date: "2026-11-25", result: "pass" }]),
        copy("the default branch main", [{ date: "2026-11-25", result: "fail" }]),
      ],
      { where: "the default branch main", date: "2026-11-25", result: "fail" },
    ],
    [
      "a date alone and a timestamp of the same instant are the same time (fail still wins)",
      [
        copy("this commit", [{ date: "2026-11-25T00:00:00Z", result: "pass" }]),
        copy("the base", [{ date: "2026-11-25", result: "fail" }]),
      ],
      { where: "the base", date: "2026-11-25", result: "fail" },
    ],
    [
      "attack: a date that is no date counts, so the gate fails it as invalid",
      [
        copy("this commit", [{ date: "2026-11-25", result: "pass" }]),
        copy("the base", [{ date: "soon", result: "pass" }]),
      ],
      { where: "the base", date: "soon", result: "pass" },
    ],
    [
      "attack: a date with a trailing ideographic space is no date (Date.parse would not trim it for us)",
      [
        copy("this commit", [{ date: "2026-06-01", result: "pass" }]),
        copy("the base", [{ date: "2026-11-25\u3000", result: "pass" }]),
      ],
      { where: "the base", date: "2026-11-25\u3000", result: "pass" },
    ],
    [
      "on a full tie the copy under judgement is shown",
      [
        copy("this commit", [{ date: "2026-11-25", result: "pass" }]),
        copy("the base", [{ date: "2026-11-25", result: "pass" }]),
      ],
      { where: "this commit", date: "2026-11-25", result: "pass" },
    ],
  ])("%s", (_label, copies, expected) => {
    expect(pick(...copies)).toEqual(expected);
  });

  it("names the records it passed over, and why", () => {
    const found = counting(
      copy("this commit", [{ date: "2026-06-01", result: "pass" }]),
      copy("the default branch main", [{ date: "2026-11-25", result: "fail" }]),
    );
    expect(found?.passedOver).toEqual([
      {
        where: "this commit",
        record: expect.objectContaining({ date: "2026-06-01", result: "pass" }),
        reason: "the evaluation of 2026-11-25 in the default branch main is newer",
      },
    ]);
  });
});

describe("evaluationTime: the one reading of an evaluation date", () => {
  it.each([
    ["2026-11-25", Date.parse("2026-11-25T00:00:00Z")],
    ["2026-11-25T10:00:00Z", Date.parse("2026-11-25T10:00:00Z")],
    ["2026-11-25T10:00:00+02:00", Date.parse("2026-11-25T08:00:00Z")],
    ["not a date", Number.NaN],
    ["", Number.NaN],
  ])("%j", (date, expected) => {
    expect(evaluationTime(date)).toBe(expected);
  });
});

describe("modelVersionEvidence: the evaluation and the sign-offs of model M at digest D", () => {
  const judged: LoadedManifest = copy("this commit", [{ date: "2026-06-01", result: "pass" }]).loaded;
  const mainCopy = copy("the default branch main", [{ date: "2026-11-25", result: "fail" }]).loaded;
  const subject = { name: "fraud", version: "1.0.0", digest: DIGEST, intent: "ship" as const };

  it("takes the evaluation from every place that holds the same model, the judged copy first", () => {
    const other = copy("x", [{ date: "2026-12-01", result: "pass" }]).loaded;
    const renamed: LoadedManifest = { ...other, manifest: { ...other.manifest, name: "another-model" } };
    const evidence = modelVersionEvidence({
      policy: testPolicy(),
      subject,
      judged,
      elsewhere: [{ where: "the default branch main", models: [mainCopy, renamed] }],
      requiredRoles: ["developer"],
    });
    expect(evidence.copies.map((c) => c.where)).toEqual(["this commit", "the default branch main"]);
    expect(evidence.evaluation?.record).toMatchObject({ date: "2026-11-25", result: "fail" });
    expect(evidence.key).toBe(`fraud@${DIGEST}`);
  });

  it("offline (no people facts) knows no sign-off; with facts it replays the subject's issue", () => {
    const offline = modelVersionEvidence({ policy: testPolicy(), subject, judged, elsewhere: [], requiredRoles: [] });
    expect(offline.signOffs).toBeUndefined();
    const facts = approvalFacts({
      signOffs: {
        [`fraud@${DIGEST}`]: [
          { id: 1, login: "dave", body: "/approve developer", createdAt: "2026-11-26T00:00:00Z", edited: false },
        ],
      },
      teamMembership: { dave: { "ml-engineers": true } },
    });
    const online = modelVersionEvidence({
      policy: testPolicy(),
      subject,
      judged,
      elsewhere: [],
      facts,
      requiredRoles: ["developer"],
    });
    expect(online.signOffs?.roles["developer"]).toMatchObject({ state: "approved", by: "dave" });
  });
});
