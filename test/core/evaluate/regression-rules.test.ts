import { describe, expect, it } from "vitest";
import { compareMetric, formatChange, ruleText } from "../../../src/core/evaluate/regression-requirements.js";
import type { RegressionBaseline } from "../../../src/core/evidence/regression-baseline.js";
import type { EvaluationRecord } from "../../../src/core/manifest/schema.js";
import type { RegressionRule } from "../../../src/core/policy/regression-schema.js";
import type { RequirementStatus } from "../../../src/core/evaluate/types.js";
import type { LoadedManifest } from "../../../src/core/manifest/load-manifest.js";

const DATASET = { name: "holdout-2026q3", sha256: "a".repeat(64) };
const OTHER_DATASET = { name: "holdout-2026q3", sha256: "b".repeat(64) };
const BASE_DIGEST = `sha256:${"c".repeat(64)}`;

function record(metrics: Record<string, number> | undefined, dataset: typeof DATASET | undefined) {
  return {
    version: "1.0.0",
    model_digest: BASE_DIGEST,
    date: "2026-11-20",
    evaluator: "evaluator",
    result: "pass",
    threats: {},
    ...(metrics ? { metrics } : {}),
    ...(dataset ? { dataset } : {}),
  } as EvaluationRecord;
}

function baselineOf(evaluation: EvaluationRecord | undefined): RegressionBaseline {
  return {
    version: "1.0.0",
    digest: BASE_DIGEST,
    where: "the base branch",
    evaluation: evaluation
      ? {
          record: evaluation,
          index: 0,
          copy: { where: "the base branch", loaded: {} as LoadedManifest },
          passedOver: [],
        }
      : undefined,
  };
}

function rule(fields: Partial<RegressionRule>): RegressionRule {
  return { name: "accuracy", direction: "higher", security: false, ...fields };
}

interface Case {
  name: string;
  rule: Partial<RegressionRule>;
  baseline?: number | "no record" | "no baseline" | "absent";
  candidate?: number | "no record" | "absent";
  missing?: "fail" | "pending";
  baselineDataset?: typeof DATASET | null;
  candidateDataset?: typeof DATASET | null;
  status: RequirementStatus;
  verdict: RegExp;
}

const cases: Case[] = [
  // direction and absolute drop
  {
    name: "higher: a small drop within max_drop",
    rule: { max_drop: 0.02 },
    baseline: 0.9,
    candidate: 0.89,
    status: "met",
    verdict: /^within the rule$/,
  },
  {
    name: "higher: a drop over max_drop",
    rule: { max_drop: 0.02 },
    baseline: 0.9,
    candidate: 0.87,
    status: "failed",
    verdict: /^fell by 0\.03, more than 0\.02$/,
  },
  {
    name: "higher: exactly max_drop (floating point: 0.9 − 0.88 is 0.020000000000000018)",
    rule: { max_drop: 0.02 },
    baseline: 0.9,
    candidate: 0.88,
    status: "met",
    verdict: /within/,
  },
  {
    name: "higher: just over max_drop",
    rule: { max_drop: 0.02 },
    baseline: 0.9,
    candidate: 0.8799999,
    status: "failed",
    verdict: /fell by 0\.0200001/,
  },
  {
    name: "higher: a rise always passes",
    rule: { max_drop: 0 },
    baseline: 0.9,
    candidate: 0.95,
    status: "met",
    verdict: /within/,
  },
  {
    name: "higher: max_drop 0 refuses any drop",
    rule: { max_drop: 0 },
    baseline: 0.9,
    candidate: 0.8999,
    status: "failed",
    verdict: /fell by 0\.0001/,
  },
  {
    name: "lower: a rise within max_drop",
    rule: { direction: "lower", max_drop: 0.01 },
    baseline: 0.05,
    candidate: 0.06,
    status: "met",
    verdict: /within/,
  },
  {
    name: "lower: a rise over max_drop",
    rule: { direction: "lower", max_drop: 0.01 },
    baseline: 0.05,
    candidate: 0.1,
    status: "failed",
    verdict: /^rose by 0\.05, more than 0\.01$/,
  },
  {
    name: "lower: a fall always passes",
    rule: { direction: "lower", max_drop: 0 },
    baseline: 0.05,
    candidate: 0.01,
    status: "met",
    verdict: /within/,
  },
  // relative drop
  {
    name: "relative: 5 % allowed, 4 % lost",
    rule: { max_relative_drop: 0.05 },
    baseline: 0.8,
    candidate: 0.768,
    status: "met",
    verdict: /within/,
  },
  {
    name: "relative: exactly 5 %",
    rule: { max_relative_drop: 0.05 },
    baseline: 0.8,
    candidate: 0.76,
    status: "met",
    verdict: /within/,
  },
  {
    name: "relative: 6 % lost",
    rule: { max_relative_drop: 0.05 },
    baseline: 0.8,
    candidate: 0.752,
    status: "failed",
    verdict: /^fell by 6 %, more than 5 % of the baseline$/,
  },
  {
    name: "relative, lower: the rate doubled",
    rule: { direction: "lower", max_relative_drop: 0.5 },
    baseline: 0.1,
    candidate: 0.2,
    status: "failed",
    verdict: /rose by 100 %, more than 50 %/,
  },
  {
    name: "relative on a negative baseline: its magnitude counts",
    rule: { max_relative_drop: 0.1 },
    baseline: -10,
    candidate: -10.5,
    status: "met",
    verdict: /within/,
  },
  {
    name: "relative on a negative baseline: over the limit",
    rule: { max_relative_drop: 0.1 },
    baseline: -10,
    candidate: -11.5,
    status: "failed",
    verdict: /fell by 15 %/,
  },
  {
    name: "absolute on a negative baseline",
    rule: { max_drop: 1 },
    baseline: -2,
    candidate: -3.5,
    status: "failed",
    verdict: /fell by 1\.5, more than 1$/,
  },
  {
    name: "relative from a zero baseline: no change for the worse is allowed",
    rule: { direction: "lower", max_relative_drop: 1 },
    baseline: 0,
    candidate: 0.001,
    status: "failed",
    verdict: /from a baseline of 0/,
  },
  {
    name: "relative from a zero baseline: no change passes",
    rule: { direction: "lower", max_relative_drop: 0.1 },
    baseline: 0,
    candidate: 0,
    status: "met",
    verdict: /within/,
  },
  {
    name: "relative from a zero baseline: a change for the better passes",
    rule: { direction: "lower", max_relative_drop: 0.1 },
    baseline: 0,
    candidate: -1,
    status: "met",
    verdict: /within/,
  },
  {
    name: "both limits: the stricter one fails",
    rule: { max_drop: 0.1, max_relative_drop: 0.01 },
    baseline: 0.9,
    candidate: 0.88,
    status: "failed",
    verdict: /^fell by 2\.22222 %/,
  },
  // bounds
  {
    name: "min: exactly the minimum",
    rule: { min: 0.85 },
    baseline: 0.9,
    candidate: 0.85,
    status: "met",
    verdict: /within/,
  },
  {
    name: "min: below the minimum",
    rule: { min: 0.85 },
    baseline: 0.9,
    candidate: 0.849,
    status: "failed",
    verdict: /^below the minimum 0\.85$/,
  },
  {
    name: "max: exactly the maximum",
    rule: { direction: "lower", max: 0.1 },
    baseline: 0.05,
    candidate: 0.1,
    status: "met",
    verdict: /within/,
  },
  {
    name: "max: above the maximum",
    rule: { direction: "lower", max: 0.1 },
    baseline: 0.05,
    candidate: 0.1000001,
    status: "failed",
    verdict: /^above the maximum 0\.1$/,
  },
  {
    name: "a bound and a drop both broken: both said",
    rule: { min: 0.85, max_drop: 0.02 },
    baseline: 0.9,
    candidate: 0.8,
    status: "failed",
    verdict: /^below the minimum 0\.85; fell by 0\.1, more than 0\.02$/,
  },
  {
    name: "bounds only: no baseline record is needed",
    rule: { min: 0.5 },
    baseline: "no record",
    candidate: 0.9,
    status: "met",
    verdict: /within/,
  },
  {
    name: "bounds only: datasets need not match",
    rule: { min: 0.5 },
    baseline: 0.9,
    candidate: 0.9,
    candidateDataset: OTHER_DATASET,
    status: "met",
    verdict: /within/,
  },
  // no baseline: a first version
  {
    name: "first version: a drop rule passes, said so",
    rule: { max_drop: 0.01 },
    baseline: "no baseline",
    candidate: 0.5,
    status: "met",
    verdict: /^no baseline: first version$/,
  },
  {
    name: "first version: the bounds still apply",
    rule: { max_drop: 0.01, min: 0.8 },
    baseline: "no baseline",
    candidate: 0.5,
    status: "failed",
    verdict: /^below the minimum 0\.8$/,
  },
  // missing
  {
    name: "missing from the candidate: fails",
    rule: { max_drop: 0.01 },
    baseline: 0.9,
    candidate: "absent",
    status: "failed",
    verdict: /^missing from this version's evaluation record$/,
  },
  {
    name: "missing from the candidate, missing: pending",
    rule: { max_drop: 0.01 },
    baseline: 0.9,
    candidate: "absent",
    missing: "pending",
    status: "pending",
    verdict: /missing from this version's/,
  },
  {
    name: "no candidate record at all",
    rule: { min: 0.1 },
    baseline: 0.9,
    candidate: "no record",
    status: "failed",
    verdict: /^this version has no evaluation record to compare$/,
  },
  {
    name: "missing from the baseline: fails",
    rule: { max_drop: 0.01 },
    baseline: "absent",
    candidate: 0.9,
    status: "failed",
    verdict: /^missing from the baseline 1\.0\.0's evaluation record$/,
  },
  {
    name: "missing from the baseline, missing: pending",
    rule: { max_drop: 0.01 },
    baseline: "absent",
    candidate: 0.9,
    missing: "pending",
    status: "pending",
    verdict: /missing from the baseline/,
  },
  {
    name: "the baseline has no record of its digest",
    rule: { max_drop: 0.01 },
    baseline: "no record",
    candidate: 0.9,
    status: "failed",
    verdict: /^the baseline 1\.0\.0 has no evaluation record of its digest$/,
  },
  {
    name: "missing: pending does not excuse a broken bound",
    rule: { min: 0.95, max_drop: 0.01 },
    baseline: "absent",
    candidate: 0.9,
    missing: "pending",
    status: "failed",
    verdict: /^below the minimum 0\.95$/,
  },
  // not comparable
  {
    name: "datasets differ: not comparable",
    rule: { max_drop: 0.5 },
    baseline: 0.9,
    candidate: 0.9,
    candidateDataset: OTHER_DATASET,
    status: "failed",
    verdict: /^not comparable: measured on another evaluation dataset \(its sha256 differs\)$/,
  },
  {
    name: "the candidate names no dataset, the baseline does",
    rule: { max_drop: 0.5 },
    baseline: 0.9,
    candidate: 0.95,
    candidateDataset: null,
    status: "failed",
    verdict: /not comparable: this version names no evaluation dataset/,
  },
  {
    name: "the baseline names no dataset, the candidate does",
    rule: { max_drop: 0.5 },
    baseline: 0.9,
    candidate: 0.95,
    baselineDataset: null,
    status: "failed",
    verdict: /not comparable: the baseline names no evaluation dataset/,
  },
  {
    name: "neither names a dataset: compared",
    rule: { max_drop: 0.5 },
    baseline: 0.9,
    candidate: 0.95,
    baselineDataset: null,
    candidateDataset: null,
    status: "met",
    verdict: /within/,
  },
  {
    name: "the same sha256 under another name: compared",
    rule: { max_drop: 0.5 },
    baseline: 0.9,
    candidate: 0.95,
    candidateDataset: { name: "renamed", sha256: DATASET.sha256 },
    status: "met",
    verdict: /within/,
  },
  // huge numbers
  {
    name: "huge values: the change overflows and fails closed",
    rule: { max_drop: 1 },
    baseline: 1.7e308,
    candidate: -1.7e308,
    status: "failed",
    verdict: /fell by more than the largest number/,
  },
  {
    name: "huge values: a large drop within a large limit",
    rule: { max_drop: 1e300 },
    baseline: 1e301,
    candidate: 9.5e300,
    status: "met",
    verdict: /within/,
  },
  {
    name: "tiny values: a drop of 1e-15 on 1e-12 is a drop",
    rule: { max_drop: 0 },
    baseline: 1e-12,
    candidate: 9.99e-13,
    status: "failed",
    verdict: /fell by 1e-15/,
  },
];

describe("compareMetric: one rule against the baseline's and the candidate's records", () => {
  it.each(cases)("$name", (c) => {
    const metric = (value: Case["candidate"] | Case["baseline"]): Record<string, number> =>
      typeof value === "number" ? { accuracy: value } : { other: 1 };
    const candidate =
      c.candidate === "no record"
        ? undefined
        : record(metric(c.candidate), c.candidateDataset === null ? undefined : (c.candidateDataset ?? DATASET));
    let baseline: RegressionBaseline | undefined;
    if (c.baseline === "no baseline") baseline = undefined;
    else if (c.baseline === "no record") baseline = baselineOf(undefined);
    else
      baseline = baselineOf(
        record(metric(c.baseline), c.baselineDataset === null ? undefined : (c.baselineDataset ?? DATASET)),
      );
    const row = compareMetric(rule(c.rule), c.missing ?? "fail", candidate, baseline);
    expect({ status: row.status, verdict: row.verdict }).toEqual({
      status: c.status,
      verdict: expect.stringMatching(c.verdict),
    });
  });

  it("attack: a metric named like an Object property (constructor) is missing, not Object's function", () => {
    const row = compareMetric(
      rule({ name: "constructor", max_drop: 0.1 }),
      "fail",
      record({ accuracy: 1 }, DATASET),
      baselineOf(record({ accuracy: 1 }, DATASET)),
    );
    expect(row.status).toBe("failed");
    expect(row.verdict).toBe(
      "missing from this version's evaluation record; missing from the baseline 1.0.0's evaluation record",
    );
    expect(row).not.toHaveProperty("candidate");
  });

  it("the row carries both values and the change for the table", () => {
    const row = compareMetric(
      rule({ max_drop: 0.02, security: true }),
      "fail",
      record({ accuracy: 0.88 }, DATASET),
      baselineOf(record({ accuracy: 0.9 }, DATASET)),
    );
    expect(row).toMatchObject({
      metric: "accuracy",
      security: true,
      baseline: 0.9,
      candidate: 0.88,
      rule: "higher is better, drop ≤ 0.02",
    });
    expect(formatChange(row.change)).toBe("−0.02");
  });
});

describe("ruleText", () => {
  it.each([
    [{ max_drop: 0.02 }, "higher is better, drop ≤ 0.02"],
    [{ direction: "lower" as const, max_drop: 0.01, max: 0.2 }, "lower is better, rise ≤ 0.01, max 0.2"],
    [{ max_relative_drop: 0.05, min: 0.8 }, "higher is better, ≤ 5 % of the baseline, min 0.8"],
  ])("%j → %s", (fields, text) => {
    expect(ruleText(rule(fields))).toBe(text);
  });
});
