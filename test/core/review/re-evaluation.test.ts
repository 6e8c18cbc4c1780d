import { describe, expect, it } from "vitest";
import { loadManifest } from "../../../src/core/manifest/load-manifest.js";
import { modelsInUse, reviewStatuses } from "../../../src/core/review/re-evaluation.js";
import { modelFiles, testPolicy, type ModelSpec } from "../../fixtures/manifests.js";

const spec: ModelSpec = { dir: "models/fraud", version: "2.0.0" };
function loaded(model: ModelSpec) {
  const files = modelFiles(model);
  const result = loadManifest(files.manifestPath, files.yaml);
  if (!result.ok) throw new Error("invalid fixture");
  return result.loaded;
}
const branch = { ref: "main", kind: "default branch" as const, commit: "a".repeat(40) };
const release = { ref: "v1", kind: "latest release" as const, commit: "b".repeat(40) };

describe("reviewStatuses: how near an evaluation is to expiring (max 180 days, notice 30)", () => {
  it.each([
    ["2026-06-15", "2026-11-01T12:00:00Z", "current", 41],
    ["2026-06-15", "2026-11-12T12:00:00Z", "notice", 30],
    ["2026-06-15", "2026-12-05T12:00:00Z", "soon", 7],
    ["2026-06-15", "2026-12-12T00:00:00Z", "soon", 0],
    ["2026-06-15", "2026-12-12T00:00:01Z", "expired", 0],
    ["2026-06-15", "2027-01-01T00:00:00Z", "expired", -20],
  ])("evaluated %s, on %s: %s (%i days left)", (date, now, stage, daysLeft) => {
    const [status] = reviewStatuses(
      testPolicy(),
      modelsInUse([{ at: branch, models: [loaded({ ...spec, evaluation: { date } })] }]),
      new Date(now),
    );
    expect(status).toMatchObject({ stage, daysLeft, expiresOn: "2026-12-12" });
  });

  it("follows notice_days and max_age_days", () => {
    const models = modelsInUse([{ at: branch, models: [loaded({ ...spec, evaluation: { date: "2026-06-15" } })] }]);
    expect(
      reviewStatuses(testPolicy({ evaluation: { notice_days: 60 } }), models, new Date("2026-10-20T00:00:00Z"))[0]
        ?.stage,
    ).toBe("notice");
    expect(
      reviewStatuses(testPolicy({ evaluation: { max_age_days: 365 } }), models, new Date("2026-12-20T00:00:00Z"))[0]
        ?.stage,
    ).toBe("current");
    expect(
      reviewStatuses(testPolicy({ evaluation: { notice_days: 0 } }), models, new Date("2026-12-11T00:00:00Z"))[0]
        ?.stage,
    ).toBe("current");
  });

  it("one entry per version and digest in use, with every place it is used and the freshest passing evaluation of any copy", () => {
    const old = loaded({ ...spec, evaluation: { date: "2026-06-15" } });
    const reevaluated = loaded({
      ...spec,
      evaluations: [
        ...(old.manifest.evaluations as unknown as Array<Record<string, unknown>>),
        { ...old.manifest.evaluations[0], date: "2026-11-20" },
      ],
    });
    const [entry, ...rest] = modelsInUse([
      { at: branch, models: [reevaluated] },
      { at: release, models: [old] },
    ]);
    expect(rest).toEqual([]);
    expect(entry?.at.map((a) => a.ref)).toEqual(["main", "v1"]);
    expect(entry?.evaluation?.date).toBe("2026-11-20");
  });

  it("leaves out decommissioned models and versions whose latest record of their digest failed", () => {
    const failed = loaded({ ...spec, evaluation: { date: "2026-06-15", result: "fail" } });
    const retired = loaded({ ...spec, dir: "models/old", status: "decommissioned" });
    const models = modelsInUse([{ at: branch, models: [failed, retired] }]);
    expect(models.map((m) => m.name)).toEqual(["fraud"]);
    expect(reviewStatuses(testPolicy(), models, new Date("2026-12-20T00:00:00Z"))).toEqual([]);
  });
});

describe("reviewStatuses: a security breach in production makes the evaluation due at once", () => {
  const models = modelsInUse([{ at: branch, models: [loaded({ ...spec, evaluation: { date: "2026-11-01" } })] }]);
  const model = models[0]!;
  const breach = (at: string) => ({
    name: model.name,
    version: model.version,
    digest: model.digest,
    at,
    metrics: ["asr"],
  });
  const now = new Date("2026-11-28T12:00:00Z");

  it.each([
    ["a report after the evaluation", [breach("2026-11-27T06:00:00Z")], "breach"],
    ["a report before the evaluation (the re-evaluation answered it)", [breach("2026-10-30T06:00:00Z")], "current"],
    ["another digest's breach", [{ ...breach("2026-11-27T06:00:00Z"), digest: `sha256:${"f".repeat(64)}` }], "current"],
    ["no breach", [], "current"],
  ])("%s: %s", (_name, breaches, stage) => {
    const [status] = reviewStatuses(testPolicy(), models, now, breaches);
    expect(status?.stage).toBe(stage);
    if (stage === "breach") expect(status?.breach?.metrics).toEqual(["asr"]);
  });

  it("an expired evaluation stays expired", () => {
    const old = modelsInUse([{ at: branch, models: [loaded({ ...spec, evaluation: { date: "2026-01-01" } })] }]);
    const [status] = reviewStatuses(testPolicy(), old, now, [
      { ...breach("2026-11-27T06:00:00Z"), digest: old[0]!.digest },
    ]);
    expect(status?.stage).toBe("expired");
  });
});
