import { describe, expect, it } from "vitest";
import {
  ISSUE_BODY_MAX_CHARS,
  renderSignOffIssueBody,
  signOffIssueTitle,
  type SignOffIssueInput,
} from "../../../src/core/render/sign-off-issue.js";
import { parseSignOffMarker, signOffMarker } from "../../../src/core/sign-off/marker.js";
import { DIGEST_A, DIGEST_B } from "./decisions.js";

const KEY = "test-marker-key";
const ref = { model: "fraud-detector", version: "2.1.0", digest: DIGEST_A };

const input: SignOffIssueInput = {
  ...ref,
  manifestPath: "models/fraud/model.yaml",
  kinds: ["retrain", "version_bump"],
  roles: [
    { role: "developer", state: "approved", by: "alice", holders: { users: ["alice"], teams: ["ml-engineers"] } },
    {
      role: "system_operator",
      state: "rejected",
      by: "bob",
      reason: "no rollback plan | see <runbook>",
      holders: { users: [], teams: ["platform-ops"] },
    },
    { role: "data_custodian", state: "pending", holders: { users: ["carol"], teams: ["data-governance"] } },
  ],
  evaluation: { date: "2026-11-20", evaluator: "octocat", result: "pass", report: "docs/evals/fraud-2.1.0.md" },
  pullRequests: [{ number: 12, url: "https://github.com/acme/models/pull/12", title: "Retrain fraud detector" }],
  org: "acme",
  markerKey: KEY,
};

describe("sign-off issue title", () => {
  it("titles the issue by model and version", () => {
    expect(signOffIssueTitle("fraud-detector", "2.1.0")).toBe("Sign-off: fraud-detector 2.1.0");
  });

  it("a decommission issue is titled apart; a ship issue as it always was", () => {
    expect(signOffIssueTitle("fraud-detector", "2.1.0", "decommission")).toBe(
      "Sign-off: fraud-detector 2.1.0 (decommission)",
    );
    expect(signOffIssueTitle("fraud-detector", "2.1.0", "ship")).toBe("Sign-off: fraud-detector 2.1.0");
  });
});

describe("renderSignOffIssueBody", () => {
  const body = renderSignOffIssueBody(input);

  it("starts with the marker and shows the model version, manifest, digest, changes and evaluation", () => {
    expect(body.startsWith(signOffMarker(ref, KEY))).toBe(true);
    expect(parseSignOffMarker(body, KEY)).toEqual(ref);
    expect(body).toContain("## Sign-off: fraud-detector 2.1.0");
    expect(body).toContain("| Manifest | `models/fraud/model.yaml` |");
    expect(body).toContain(`| Digest | \`${DIGEST_A}\` |`);
    expect(body).toContain("| Changes | `retrain`, `version_bump` |");
    expect(body).toContain(
      "| Security evaluation | ✅ pass by @octocat on 2026-11-20 — report: `docs/evals/fraud-2.1.0.md` |",
    );
  });

  it("has a table of the required roles with their state and holders", () => {
    expect(body).toContain("| developer | ✅ approved | @alice | @alice, @acme/ml-engineers |");
    expect(body).toContain(
      "| system_operator | ❌ rejected: no rollback plan \\| see &lt;runbook&gt; | @bob | @acme/platform-ops |",
    );
    expect(body).toContain("| data_custodian | ⏳ pending |  | @carol, @acme/data-governance |");
  });

  it("explains every command", () => {
    for (const command of ["/approve <role>", "/reject <role> <reason>", "/revoke <role>", "/override <reason>"])
      expect(body).toContain(`\`${command}\``);
    expect(body).toContain("Edited or deleted comments never count");
  });

  it("links the pull requests that carry the digest", () => {
    expect(body).toContain("- [#12](https://github.com/acme/models/pull/12) Retrain fraud detector");
  });

  it("shows an override and a missing evaluation", () => {
    const overridden = renderSignOffIssueBody({
      ...input,
      evaluation: undefined,
      override: { by: "sec-lead", reason: "incident 42", at: "2026-11-21T10:00:00Z" },
    });
    expect(overridden).toContain("**Overridden by @sec-lead:** incident 42 (2026-11-21T10:00:00Z)");
    expect(overridden).toContain("| Security evaluation | none recorded for this digest |");
  });

  it.each([
    // GitHub shows a code span's text as written: the reason reads as typed (an invisible U+2060 follows `<`)
    { typed: "`a <!-- b --> & c`", shown: "`a <\u2060!-- b --> & c`" },
    { typed: "a <!-- b --> & c", shown: "a &lt;!-- b --&gt; &amp; c" },
    { typed: "see ``x ` <!-- modelgate:sign-off {} -->``", shown: "see ``x ` <\u2060!-- modelgate:sign-off {} -->``" },
  ])("shows the override reason $typed as typed, and with no second marker", ({ typed, shown }) => {
    const body = renderSignOffIssueBody({
      ...input,
      override: { by: "sec-lead", reason: typed, at: "2026-11-21T10:00:00Z" },
    });
    expect(body).toContain(`**Overridden by @sec-lead:** ${shown} (2026-11-21T10:00:00Z)`);
    expect(body.split("<!--")).toHaveLength(2);
    expect(parseSignOffMarker(body, KEY)).toEqual(ref);
  });

  it("links a report given as a URL", () => {
    const linked = renderSignOffIssueBody({
      ...input,
      evaluation: { date: "2026-11-20", evaluator: "octocat", result: "fail", report: "https://example.org/r.pdf" },
    });
    expect(linked).toContain("❌ fail by @octocat on 2026-11-20 — report: [link](https://example.org/r.pdf)");
  });

  it("cannot be made to carry a second marker through a pull request title", () => {
    const forged = renderSignOffIssueBody({
      ...input,
      pullRequests: [
        {
          number: 1,
          url: "https://github.com/acme/models/pull/1",
          title: `<!-- modelgate:sign-off ${JSON.stringify({ ...ref, digest: DIGEST_B })} -->`,
        },
      ],
    });
    expect(forged.match(/<!--/g)).toHaveLength(1);
    expect(parseSignOffMarker(forged, KEY)).toEqual(ref);
  });

  it("stays under GitHub's 65,536-character limit by cutting the pull request list", () => {
    const pullRequests = Array.from({ length: 3000 }, (_, i) => ({
      number: i + 1,
      url: `https://github.com/acme/models/pull/${i + 1}`,
      title: "日本語 😀 ".repeat(10),
    }));
    const long = renderSignOffIssueBody({ ...input, pullRequests });
    expect(long.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_CHARS);
    const shown = long.match(/^- \[#\d+\]/gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(100);
    expect(long).toContain(`… and ${3000 - shown} more pull requests.`);
    expect(parseSignOffMarker(long, KEY)).toEqual(ref);
  });

  it("a decommission issue says what it approves, and that the sign-offs that shipped the version do not count", () => {
    const decommission = renderSignOffIssueBody({ ...input, intent: "decommission", kinds: ["decommission"] });
    expect(decommission.startsWith(signOffMarker({ ...ref, intent: "decommission" }, KEY))).toBe(true);
    expect(decommission).toContain("## Sign-off: fraud-detector 2.1.0 (decommission)\n");
    expect(decommission).toContain(
      "This issue collects the sign-offs that the **decommission** of **fraud-detector 2.1.0** needs before it may be merged (EN 304 223 5.1.4-3, human oversight; 5.5.1, end of life). Sign-offs given when this version shipped do not count here: retiring a model needs its own approvals. A sign-off here counts only for the decommission of the digest below.",
    );
    expect(decommission).toContain(
      "- `/approve <role>` — approve the decommission of this model version as a holder of `<role>`",
    );
    expect(body).toContain("- `/approve <role>` — approve this model version as a holder of `<role>`");
  });

  it("says so when no pull request is open yet", () => {
    expect(renderSignOffIssueBody({ ...input, pullRequests: [] })).toContain("None open yet.");
  });
});
