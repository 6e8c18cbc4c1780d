import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { publishedJsonSchemas } from "../../../src/core/schemas/json-schemas.js";
import { readReport } from "../../../src/core/monitoring/read-report.js";
import { MAX_REPORT_BYTES, MAX_REPORT_DEPTH, parseBoundedJson } from "../../../src/core/monitoring/report.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/monitoring/${name}`, import.meta.url), "utf8");

describe("the three report formats, read from real-shaped samples", () => {
  test("modelgate's own JSON: model, version, date and every metric (null stays null)", () => {
    const read = readReport(fixture("modelgate-report.json"), "monitoring/fraud-detector/2.0.0/week-48.json");
    expect(read).toEqual({
      ok: true,
      report: {
        format: "modelgate",
        source: "monitoring/fraud-detector/2.0.0/week-48.json",
        model: "fraud-detector",
        version: "2.0.0",
        generatedAt: "2026-11-27T06:00:00Z",
        metrics: { accuracy: 0.912, attack_success_rate: 0.031, "psi.amount": 0.08, refusal_rate: null },
        notes: [],
      },
    });
  });

  test("Evidently's legacy Report as_dict()/json(): DatasetDriftMetric under its plain names and prefixed, per-column metrics named by column, NaN as null", () => {
    const read = readReport(fixture("evidently-legacy.json"), "drift.json");
    if (!read.ok) throw new Error(read.reason);
    expect(read.report.format).toBe("evidently");
    expect(read.report.generatedAt).toBe("2026-11-26T06:00:00.123456");
    expect(read.report.metrics).toMatchObject({
      share_of_drifted_columns: 0.3333333333333333,
      number_of_drifted_columns: 5,
      dataset_drift: 0,
      drift_share: 0.5,
      "DatasetDriftMetric.share_of_drifted_columns": 0.3333333333333333,
      "DatasetDriftMetric.dataset_drift": 0,
      "ColumnDriftMetric(prediction).drift_score": 0.17727435621157941,
      "ColumnDriftMetric(prediction).drift_detected": 1,
    });
  });

  test("Evidently's newer snapshot ({metric_id, value}): objects by key, numbers as they are, NaN as null, DriftedColumnsCount under the plain names", () => {
    const read = readReport(fixture("evidently-snapshot.json"), "snapshot.json");
    if (!read.ok) throw new Error(read.reason);
    expect(read.report.metrics).toEqual({
      "DriftedColumnsCount(drift_share=0.5).count": 2,
      "DriftedColumnsCount(drift_share=0.5).share": 0.4,
      number_of_drifted_columns: 2,
      share_of_drifted_columns: 0.4,
      "ValueDrift(column=age)": 0.041,
      "ValueDrift(column=amount)": null,
      "RowCount()": 4812,
    });
    expect(read.report.generatedAt).toBeUndefined();
  });

  test("SageMaker Model Monitor's constraint_violations.json: counts, per documented check type, and the violations as notes", () => {
    const read = readReport(fixture("constraint_violations.json"), "constraint_violations.json");
    if (!read.ok) throw new Error(read.reason);
    expect(read.report.format).toBe("sagemaker");
    expect(read.report.metrics).toEqual({
      violations: 3,
      "violations.data_type_check": 0,
      "violations.completeness_check": 1,
      "violations.baseline_drift_check": 1,
      "violations.missing_column_check": 0,
      "violations.extra_column_check": 0,
      "violations.categorical_values_check": 1,
    });
    expect(read.report.notes[0]).toBe(
      "baseline_drift_check on amount: Baseline drift distance: 0.2195 exceeds threshold: 0.1",
    );
  });

  test("no violations: every count is 0", () => {
    const read = readReport('{"violations": []}', "cv.json");
    expect(read.ok && read.report.metrics.violations).toBe(0);
  });
});

describe("the published JSON Schema of modelgate's report", () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(publishedJsonSchemas()["monitoring-report.schema.json"]);

  test("accepts the documented sample and refuses one without a date", () => {
    const sample = JSON.parse(fixture("modelgate-report.json")) as Record<string, unknown>;
    expect(validate(sample)).toBe(true);
    const { generated_at: _dropped, ...undated } = sample;
    expect(validate(undated)).toBe(false);
  });
});

describe("refused reports", () => {
  test.each([
    ["not JSON", "{", /not JSON/],
    ["a list", "[1]", /not a JSON object/],
    ["an unknown shape", '{"drift": 0.1}', /not a report modelgate reads/],
    [
      "a modelgate report without a date",
      JSON.stringify({ format: "modelgate-monitoring/1", model: "m", version: "1.0.0", metrics: {} }),
      /generated_at/,
    ],
    [
      "a modelgate report with an Infinity metric",
      '{"format":"modelgate-monitoring/1","model":"m","version":"1.0.0","generated_at":"2026-11-27T06:00:00Z","metrics":{"a":Infinity}}',
      /not a valid modelgate report|^$/,
    ],
    ["a SageMaker violation without a type", '{"violations":[{"feature_name":"a"}]}', /constraint_check_type/],
    ["an Evidently report with nothing numeric", '{"metrics":[{"metric":"X","result":{"a":"b"}}]}', /no metric/],
  ])("%s", (_name, text, reason) => {
    const read = readReport(text, "r.json");
    // Infinity reads as null: a modelgate metric may be null, so that report is read, with the metric not a number
    if (read.ok) expect(read.report.metrics.a).toBeNull();
    else expect(read.reason).toMatch(reason);
  });

  test("attack: a huge report is refused before it is parsed", () => {
    const huge = `{"violations":[${'{"constraint_check_type":"data_type_check"},'.repeat(MAX_REPORT_BYTES / 40)}{}]}`;
    const read = readReport(huge, "huge.json");
    expect(read).toEqual({ ok: false, source: "huge.json", reason: "larger than 1 MiB" });
  });

  test("attack: a deeply nested report is refused, not walked", () => {
    const deep = `{"metrics":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(readReport(deep, "deep.json")).toEqual({
      ok: false,
      source: "deep.json",
      reason: `nested deeper than ${MAX_REPORT_DEPTH} levels`,
    });
  });

  test("NaN inside a string is text, not a number", () => {
    expect(parseBoundedJson('{"a":"NaN Infinity","b":-Infinity,"c":[NaN]}')).toEqual({
      ok: true,
      value: { a: "NaN Infinity", b: null, c: [null] },
    });
  });
});
