import { describe, expect, it } from "vitest";
import {
  endOfLifeIssueTitle,
  renderEndOfLifeIssueBody,
  type EndOfLifeIssueInput,
} from "../../../src/core/render/end-of-life-issue.js";
import { checklistStatus, parseChecklist } from "../../../src/core/end-of-life/checklist.js";
import { endOfLifeMarker, parseEndOfLifeMarker } from "../../../src/core/end-of-life/marker.js";
import { DEFAULT_EOL_CHECKLIST } from "../../../src/core/policy/schema.js";
import { markerSignature } from "../../../src/core/markers/signature.js";
import { ISSUE_BODY_MAX_CHARS } from "../../../src/core/render/sign-off-issue.js";
import { DIGEST_A, DIGEST_B } from "./decisions.js";

const KEY = "test-marker-key";

const input: EndOfLifeIssueInput = {
  model: "fraud-detector",
  version: "2.1.0",
  digest: DIGEST_A,
  manifestPath: "models/fraud/model.yaml",
  org: "acme",
  roles: [
    { role: "data_custodian", holders: { users: ["carol"], teams: ["data-governance"] } },
    { role: "system_operator", holders: { users: [], teams: ["platform-ops"] }, state: "approved", by: "dave" },
  ],
  checklist: DEFAULT_EOL_CHECKLIST,
  components: [
    { id: "weights/model.safetensors", kind: "weights", sha256: "c".repeat(64) },
    { id: "base-model", kind: "weights", sha256: "d".repeat(64), source: "pkg:huggingface/org/base@abc" },
  ],
  datasets: [{ name: "transactions-2026q3", source: "https://example.org/data" }, { name: "labels" }],
  commit: "0123abc",
  markerKey: KEY,
};

describe("end-of-life issue", () => {
  const body = renderEndOfLifeIssueBody(input);

  const ref = { model: "fraud-detector", digest: DIGEST_A };
  /** The signature modelgate writes into the end-of-life marker of `subject` under KEY. */
  const sigOf = (subject: { model: string; digest: string }) =>
    markerSignature(KEY, "end-of-life", { model: subject.model, digest: subject.digest });
  const marker = (data: Record<string, unknown>) => `<!-- modelgate:end-of-life ${JSON.stringify(data)} -->`;

  it("has a title and a signed marker that reads back", () => {
    expect(endOfLifeIssueTitle("fraud-detector", "2.1.0")).toBe("End of life: fraud-detector 2.1.0");
    expect(endOfLifeMarker(ref, KEY)).toBe(
      `<!-- modelgate:end-of-life {"model":"fraud-detector","digest":"${DIGEST_A}","sig":"${sigOf(ref)}"} -->`,
    );
    expect(body.startsWith(endOfLifeMarker(ref, KEY))).toBe(true);
    expect(parseEndOfLifeMarker(body, KEY)).toEqual(ref);
    expect(
      parseEndOfLifeMarker(marker({ model: "x", digest: DIGEST_B, sig: sigOf({ model: "x", digest: DIGEST_B }) }), KEY),
    ).toEqual({
      model: "x",
      digest: DIGEST_B,
    });
  });

  it.each([
    { name: "no body", body: null },
    { name: "no marker", body: "End of life: fraud-detector 2.1.0" },
    { name: "garbled JSON", body: "<!-- modelgate:end-of-life {not json} -->" },
    {
      name: "digest not a sha256",
      body: marker({ model: "x", digest: "sha256:1", sig: sigOf({ model: "x", digest: "sha256:1" }) }),
    },
    {
      name: "another kind of marker",
      body: `<!-- modelgate:sign-off ${JSON.stringify({ ...ref, sig: sigOf(ref) })} -->`,
    },
    { name: "unsigned marker (written by hand, as before markers were signed)", body: marker(ref) },
    { name: "digest edited after signing", body: marker({ ...ref, digest: DIGEST_B, sig: sigOf(ref) }) },
    { name: "model edited after signing", body: marker({ ...ref, model: "credit-scorer", sig: sigOf(ref) }) },
    { name: "extra key smuggled in", body: marker({ ...ref, sig: sigOf(ref), approvedBy: "mallory" }) },
    { name: "signed with another key", body: endOfLifeMarker(ref, "another-key") },
    {
      name: "a sign-off marker's signature of the same fields",
      body: marker({ ...ref, sig: markerSignature(KEY, "sign-off", ref) }),
    },
    { name: "sig that is not hex", body: marker({ ...ref, sig: "z".repeat(64) }) },
    { name: "sig of the wrong length", body: marker({ ...ref, sig: sigOf(ref).slice(0, 62) }) },
    {
      name: "forged first marker before a genuine one",
      body: `${marker({ ...ref, digest: DIGEST_B, sig: sigOf(ref) })}\n${endOfLifeMarker(ref, KEY)}`,
    },
  ])("rejects $name", ({ body }) => {
    expect(parseEndOfLifeMarker(body, KEY)).toBeUndefined();
  });

  it("mentions the data custodian and system operator holders", () => {
    expect(body).toContain("@carol @acme/data-governance @acme/platform-ops: please take part in the disposal");
  });

  it("lists the checklist as task items, the last digest, components and datasets", () => {
    for (const item of DEFAULT_EOL_CHECKLIST) expect(body).toContain(`- [ ] ${item}`);
    expect(body).toContain(`Last digest: \`${DIGEST_A}\``);
    expect(body).toContain(`| \`weights/model.safetensors\` | weights | \`${"c".repeat(64)}\` | this repository |`);
    expect(body).toContain(`| \`base-model\` | weights | \`${"d".repeat(64)}\` | pkg:huggingface/org/base@abc |`);
    expect(body).toContain("| transactions-2026q3 | https://example.org/data |");
    expect(body).toContain("| labels | source not recorded |");
  });

  it("names the sign-off commands and the state of each role", () => {
    expect(body).toContain("`/approve data_custodian`, `/approve system_operator`");
    expect(body).toContain("| data_custodian | ⏳ pending | @carol, @acme/data-governance |");
    expect(body).toContain("| system_operator | ✅ approved by @dave | @acme/platform-ops |");
  });

  it("keeps ticked items when re-rendered", () => {
    const again = renderEndOfLifeIssueBody({ ...input, checked: ["revoke credentials"] });
    expect(again).toContain("- [x] Revoke credentials");
    expect(again).toContain("- [ ] Update the asset inventory");
  });

  it("stays under the issue body limit with a huge inventory, keeping the whole checklist", () => {
    const huge = renderEndOfLifeIssueBody({
      ...input,
      components: Array.from({ length: 5000 }, (_, i) => ({
        id: `shards/part-${i}.safetensors`,
        kind: "weights",
        sha256: "e".repeat(64),
      })),
    });
    expect(huge.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_CHARS);
    expect(parseChecklist(huge)).toHaveLength(DEFAULT_EOL_CHECKLIST.length);
    expect(huge).toMatch(/… \d+ more rows not shown/);
  });
});

describe("parseChecklist", () => {
  const section = (lines: string[]) =>
    ["<!-- modelgate:checklist:start -->", ...lines, "<!-- modelgate:checklist:end -->"].join("\n");

  it.each([
    { name: "no body", body: null, expected: [] },
    { name: "no checklist section", body: "- [x] Revoke credentials", expected: [] },
    {
      name: "section without end marker",
      body: "<!-- modelgate:checklist:start -->\n- [x] Revoke credentials",
      expected: [],
    },
    {
      name: "unticked and ticked (x and X)",
      body: section(["- [ ] Revoke credentials", "- [x] Update the asset inventory", "- [X] Record disposal evidence"]),
      expected: [
        { item: "Revoke credentials", checked: false },
        { item: "Update the asset inventory", checked: true },
        { item: "Record disposal evidence", checked: true },
      ],
    },
    {
      name: "CRLF line endings and * bullets",
      body: section(["* [x] Revoke credentials  ", "+ [ ] Other"]).replace(/\n/g, "\r\n"),
      expected: [
        { item: "Revoke credentials", checked: true },
        { item: "Other", checked: false },
      ],
    },
    {
      name: "lines that are not items",
      body: section(["text", "- [x]", "- [y] Revoke credentials", "-[x] Revoke credentials", ""]),
      expected: [],
    },
    {
      name: "task items outside the section do not count",
      body: `- [x] Revoke credentials\n${section(["- [ ] Revoke credentials"])}\n- [x] Revoke credentials`,
      expected: [{ item: "Revoke credentials", checked: false }],
    },
  ])("$name", ({ body, expected }) => {
    expect(parseChecklist(body)).toEqual(expected);
  });

  it("reads back exactly what was rendered, including items with markup characters", () => {
    const checklist = ["Delete <all> copies & registries", "Revoke credentials"];
    const body = renderEndOfLifeIssueBody({ ...input, checklist, checked: ["Revoke credentials"] });
    expect(parseChecklist(body)).toEqual([
      { item: "Delete <all> copies & registries", checked: false },
      { item: "Revoke credentials", checked: true },
    ]);
  });

  it("is never complete while a required item is unticked, missing, or the section was removed", () => {
    const required = ["Revoke credentials", "Record disposal evidence"];
    const allTicked = section(["- [x] Revoke credentials", "- [x] record disposal evidence"]);
    expect(checklistStatus(allTicked, required)).toEqual({ complete: true, unchecked: [] });
    expect(checklistStatus(section(["- [x] Revoke credentials", "- [ ] Record disposal evidence"]), required)).toEqual({
      complete: false,
      unchecked: ["Record disposal evidence"],
    });
    // an item deleted from the body does not count as done
    expect(checklistStatus(section(["- [x] Revoke credentials"]), required)).toEqual({
      complete: false,
      unchecked: ["Record disposal evidence"],
    });
    expect(checklistStatus("All done!", required)).toEqual({ complete: false, unchecked: required });
  });
});
