import { describe, expect, it } from "vitest";
import { annotationBatches, decisionAnnotations } from "../../../src/core/render/annotations.js";
import { renderCheckRun } from "../../../src/core/render/check-run.js";
import { decision, model, requirement, unmanaged } from "./decisions.js";

describe("annotationBatches", () => {
  it.each([
    { count: 0, sizes: [] },
    { count: 1, sizes: [1] },
    { count: 50, sizes: [50] },
    { count: 51, sizes: [50, 1] },
    { count: 120, sizes: [50, 50, 20] },
  ])("$count annotations are sent as $sizes", ({ count, sizes }) => {
    const items = Array.from({ length: count }, (_, i) => i);
    const batches = annotationBatches(items);
    expect(batches.map((b) => b.length)).toEqual(sizes);
    expect(batches.flat()).toEqual(items);
  });

  it("takes another batch size and refuses a nonsensical one", () => {
    expect(annotationBatches([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(() => annotationBatches([1], 0)).toThrow(RangeError);
  });
});

describe("decisionAnnotations", () => {
  it("puts a failed requirement on its line, failures first", () => {
    const d = decision({
      models: [
        model("fraud", [
          requirement("approval:developer", "pending", { message: "needs @acme/ml-engineers", line: 2 }),
          requirement("hash:weights/model.safetensors", "failed", {
            message: "declared 00…, file is ab…",
            provision: "5.2.4-1.2",
            line: 14,
          }),
          requirement("evaluation.present", "failed", { message: "no evaluation record" }),
          requirement("evaluation.independent", "met"),
        ]),
      ],
      unmanaged: [unmanaged("shadow/x.onnx", "warning")],
      errors: [{ path: "models/bad/model.yaml", line: 7, message: "status: invalid option" }],
    });
    expect(decisionAnnotations(d)).toEqual([
      {
        path: "models/bad/model.yaml",
        start_line: 7,
        end_line: 7,
        annotation_level: "failure",
        message: "status: invalid option",
        title: "Invalid file",
      },
      {
        path: "models/fraud/model.yaml",
        start_line: 14,
        end_line: 14,
        annotation_level: "failure",
        message: "declared 00…, file is ab… [5.2.4-1.2]",
        title: "fraud: hash:weights/model.safetensors",
      },
      // no line: the top of the manifest
      {
        path: "models/fraud/model.yaml",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        message: "no evaluation record [5.2.5-1]",
        title: "fraud: evaluation.present",
      },
      {
        path: "shadow/x.onnx",
        start_line: 1,
        end_line: 1,
        annotation_level: "warning",
        message:
          "This model file (artifact, added) is not declared by any model manifest: add it to a manifest's components, or remove it (5.2.1-2).",
        title: "Unmanaged model file",
      },
      // pending approvals are not annotated: an approval could not withdraw the annotation (the summary names them)
    ]);
  });

  it("uses the requirement's own path when it names another file", () => {
    const [annotation] = decisionAnnotations(
      decision({
        models: [model("m", [requirement("hash:prompt.txt", "failed", { path: "models/m/prompt.txt", line: 1 })])],
      }),
    );
    expect(annotation).toMatchObject({ path: "models/m/prompt.txt", start_line: 1 });
  });

  it("annotates neither pending approvals nor anything an approval or override changes: one run per head keeps its annotations", () => {
    const pending = model("m", [
      requirement("evaluation.present", "failed", { message: "no evaluation record", line: 5 }),
      requirement("approval:developer", "pending"),
    ]);
    const overridden = {
      ...pending,
      verdict: "success" as const,
      override: { by: "sec-lead", reason: "incident 42", at: "2026-11-21T10:00:00Z" },
    };
    const expected = [
      {
        path: "models/m/model.yaml",
        start_line: 5,
        end_line: 5,
        annotation_level: "failure",
        message: "no evaluation record [5.2.5-1]",
        title: "m: evaluation.present",
      },
    ];
    expect(decisionAnnotations(decision({ models: [pending] }))).toEqual(expected);
    // the override is in the title and summary; the failed requirement stays annotated as evidence
    expect(decisionAnnotations(decision({ models: [overridden] }))).toEqual(expected);
  });

  it("never sends a line below 1", () => {
    const [annotation] = decisionAnnotations(decision({ errors: [{ path: "x.yaml", line: 0, message: "empty" }] }));
    expect(annotation).toMatchObject({ start_line: 1, end_line: 1 });
  });

  it("returns all annotations from renderCheckRun, ready to be sent in batches of 50", () => {
    const errors = Array.from({ length: 120 }, (_, i) => ({ path: `m${i}/model.yaml`, line: 1, message: "invalid" }));
    const output = renderCheckRun(decision({ errors }), { checkName: "modelgate" });
    expect(output.annotations).toHaveLength(120);
    expect(annotationBatches(output.annotations).map((b) => b.length)).toEqual([50, 50, 20]);
  });
});
