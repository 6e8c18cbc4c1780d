import { describe, expect, it } from "vitest";
import {
  renderReleaseSection,
  upsertReleaseSection,
  RELEASE_SECTION_END,
  RELEASE_SECTION_START,
} from "../../../src/core/render/release-notes.js";
import { DIGEST_A, DIGEST_B } from "./decisions.js";

const passing = renderReleaseSection({
  models: [
    { name: "fraud-detector", from: "2.0.0", to: "2.1.0", digest: DIGEST_A, kinds: ["retrain"], verdict: "success" },
    { name: "churn", to: "1.0.0", digest: DIGEST_B, kinds: ["new_model"], verdict: "success" },
  ],
  checkUrl: "https://github.com/acme/models/runs/1",
});

describe("renderReleaseSection", () => {
  it("lists model versions and digests between markers", () => {
    expect(passing.startsWith(RELEASE_SECTION_START)).toBe(true);
    expect(passing.endsWith(RELEASE_SECTION_END)).toBe(true);
    expect(passing).toContain("| Model | Version | Digest | Change | Gate |");
    expect(passing).toContain(`| fraud-detector | 2.0.0 → 2.1.0 | \`${DIGEST_A}\` | retrain | ✅ |`);
    expect(passing).toContain(`| churn | new → 1.0.0 | \`${DIGEST_B}\` | new_model | ✅ |`);
    expect(passing).not.toContain("CAUTION");
  });

  it("explains a failure with its reasons and a link to the check run", () => {
    const failing = renderReleaseSection({
      models: [
        {
          name: "fraud-detector",
          from: "2.0.0",
          to: "2.1.0",
          digest: DIGEST_A,
          kinds: ["retrain"],
          verdict: "failure",
        },
      ],
      failure: {
        summary: [
          "fraud-detector 2.1.0: no evaluation for this digest",
          "fraud-detector 2.1.0: data_custodian has not signed off",
        ],
      },
      checkUrl: "https://github.com/acme/models/runs/2",
    });
    expect(failing).toContain(
      "> **modelgate:** this release does not meet its model gates — see the [check run](https://github.com/acme/models/runs/2).",
    );
    expect(failing).toContain("> - fraud-detector 2.1.0: no evaluation for this digest");
    expect(failing).toContain("| ❌ |");
  });

  it("says when no model changes", () => {
    expect(renderReleaseSection({ models: [] })).toContain("No model version changes in this release.");
  });
});

describe("upsertReleaseSection", () => {
  it.each([
    { name: "null body", body: null, expected: passing },
    { name: "empty body", body: "", expected: passing },
    {
      name: "notes without a section",
      body: "## What's changed\n- faster\n\n",
      expected: `## What's changed\n- faster\n\n${passing}`,
    },
    {
      name: "an existing section is replaced in place",
      body: `intro\n\n${RELEASE_SECTION_START}\nold table\n${RELEASE_SECTION_END}\n\nfooter`,
      expected: `intro\n\n${passing}\n\nfooter`,
    },
    {
      name: "an end marker deleted by hand: replaced to the end",
      body: `intro\n${RELEASE_SECTION_START}\nold table`,
      expected: `intro\n${passing}`,
    },
  ])("$name", ({ body, expected }) => {
    expect(upsertReleaseSection(body, passing)).toBe(expected);
  });

  it("is idempotent: a re-run changes nothing and never duplicates the section", () => {
    for (const body of [null, "", "notes", `a\r\n${RELEASE_SECTION_START}\r\nold\r\n${RELEASE_SECTION_END}\r\nb`]) {
      const once = upsertReleaseSection(body, passing);
      expect(upsertReleaseSection(once, passing)).toBe(once);
      expect(once.split(RELEASE_SECTION_START)).toHaveLength(2);
    }
  });

  it("replaces an older section with a newer one", () => {
    const failing = renderReleaseSection({ models: [], failure: { summary: ["x"] } });
    const updated = upsertReleaseSection(upsertReleaseSection("notes", failing), passing);
    expect(updated).toBe(`notes\n\n${passing}`);
  });
});

describe("renderReleaseSection: what users are told about each model", () => {
  it("adds a documentation column when a model documents its uses and limits", () => {
    const section = renderReleaseSection({
      models: [
        {
          name: "fraud-detector",
          from: "2.0.0",
          to: "2.1.0",
          digest: DIGEST_A,
          kinds: ["retrain"],
          verdict: "success",
          documentation: [
            { label: "intended use", texts: ["Fraud review | triage"] },
            { label: "limitations", texts: ["EU data only", "<b>not</b> for credit"] },
          ],
        },
        { name: "churn", to: "1.0.0", digest: DIGEST_B, kinds: ["new_model"], verdict: "success" },
      ],
    });
    expect(section).toContain("| Model | Version | Digest | Change | Gate | Documentation |");
    expect(section).toContain(
      `| ✅ | **intended use:** Fraud review \\| triage<br>**limitations:** EU data only; &lt;b&gt;not&lt;/b&gt; for credit |`,
    );
    expect(section).toContain(`| churn | new → 1.0.0 | \`${DIGEST_B}\` | new_model | ✅ | — |`);
  });

  it("has no documentation column when no model documents anything", () => {
    expect(passing).not.toContain("Documentation");
  });
});
