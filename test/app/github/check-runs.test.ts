import nock from "nock";
import { describe, expect, test } from "vitest";
import type { Annotation } from "../../../src/core/render/check-run.js";
import { annotationsFingerprint, writeCheckRun, type CheckRunContent } from "../../../src/github/check-runs.js";
import { serveCheckRunCreate, serveCheckRunLookup, serveCheckRunUpdate } from "../../helpers/serve-github.js";
import { commitSha } from "../../fixtures/git-objects.js";
import { GITHUB_API } from "../../helpers/fake-repository.js";
import { APP_ID, testOctokit } from "../../helpers/test-app.js";
import { createRecorder } from "../../helpers/request-recorder.js";

const HEAD = commitSha("head");
const target = { owner: "acme", repo: "models", headSha: HEAD, name: "modelgate", appId: APP_ID };

function content(annotationCount: number): CheckRunContent {
  const annotations: Annotation[] = Array.from({ length: annotationCount }, (_, i) => ({
    path: `m${i}/model.yaml`,
    start_line: 1,
    end_line: 1,
    annotation_level: "failure",
    message: `problem ${i}`,
  }));
  return {
    conclusion: "failure",
    title: "t",
    summary: "s",
    text: "x",
    annotations,
    actions: [{ label: "Re-evaluate", description: "Read GitHub again", identifier: "reevaluate" }],
  };
}

type Write = readonly ["POST" | "PATCH", number];

describe("writeCheckRun", () => {
  test.each([
    // [case, annotations now, existing run, expected action, the write requests with their annotation counts]
    [
      "no run yet: create with 50, append the rest",
      120,
      undefined,
      "created",
      [
        ["POST", 50],
        ["PATCH", 50],
        ["PATCH", 20],
      ],
    ],
    [
      "same annotations already there (a redelivery): update without resending them",
      120,
      { fingerprintOf: 120, count: 120 },
      "updated",
      [["PATCH", 0]],
    ],
    [
      "same fingerprint but a batch never arrived: the same run gets the missing ones",
      120,
      { fingerprintOf: 120, count: 50 },
      "updated",
      [
        ["PATCH", 50],
        ["PATCH", 20],
      ],
    ],
    [
      "a run without annotations: update it and send them",
      60,
      { fingerprintOf: 0, count: 0 },
      "updated",
      [
        ["PATCH", 50],
        ["PATCH", 10],
      ],
    ],
    [
      "a run with other annotations: the same run gets only those it lacks (never a second run)",
      3,
      { fingerprintOf: 2, count: 2 },
      "updated",
      [["PATCH", 1]],
    ],
  ] as Array<[string, number, { fingerprintOf: number; count: number } | undefined, string, Write[]]>)(
    "%s",
    async (_case, annotationCount, existing, action, writes) => {
      const recorder = createRecorder();
      serveCheckRunLookup(
        "acme",
        "models",
        HEAD,
        existing
          ? [
              {
                id: 31,
                externalId: annotationsFingerprint(content(existing.fingerprintOf).annotations),
                annotationsCount: existing.count,
              },
            ]
          : [],
        "modelgate",
        null,
      );
      // what the run carries is listed only when it is not exactly what would be sent
      if (
        existing &&
        existing.count > 0 &&
        !(existing.fingerprintOf === annotationCount && existing.count === annotationCount)
      ) {
        const carried = content(existing.fingerprintOf)
          .annotations.slice(0, existing.count)
          .map((a) => ({ ...a, blob_href: "", raw_details: null, title: null }));
        nock(GITHUB_API)
          .get("/repos/acme/models/check-runs/31/annotations")
          .query({ per_page: "100" })
          .reply(200, carried);
      }
      const creates = writes.some(([method]) => method === "POST");
      if (creates) serveCheckRunCreate("acme", "models", 32);
      const patches = writes.filter(([method]) => method === "PATCH").length;
      if (patches > 0) serveCheckRunUpdate("acme", "models", creates ? 32 : 31, patches);

      const result = await writeCheckRun(testOctokit(recorder.fetch), target, content(annotationCount));

      expect(result).toEqual({ checkRunId: creates ? 32 : 31, action });
      const sent = recorder.requests
        .filter((r) => r.method !== "GET")
        .map((r) => [r.method, (r.body as { output: { annotations?: unknown[] } }).output.annotations?.length ?? 0]);
      expect(sent).toEqual(writes);
    },
  );

  test("every write carries the conclusion's title, summary and text (an update replaces them)", async () => {
    const recorder = createRecorder();
    serveCheckRunLookup("acme", "models", HEAD, [], "modelgate", null);
    serveCheckRunCreate("acme", "models", 32);
    serveCheckRunUpdate("acme", "models", 32);

    await writeCheckRun(testOctokit(recorder.fetch), target, content(51));

    const outputs = recorder.requests
      .filter((r) => r.method !== "GET")
      .map((r) => (r.body as { output: Record<string, unknown> }).output);
    for (const output of outputs) expect(output).toMatchObject({ title: "t", summary: "s", text: "x" });
  });
});
