import { createHash } from "node:crypto";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/core/audit/types.js";
import { runModelgate, TestRepo } from "./git-repo.js";

const POLICY = [
  "roles:",
  "  security: { users: [sec-lead] }",
  "governance:",
  "  documents:",
  "    - { path: docs/incident.md, provision: 5.2.2-5, review_days: 90, owner_role: security }",
  "",
].join("\n");
const PLAN = "# Incident response\n\nCall the on-call security engineer.\n";

let repo: TestRepo | undefined;
afterEach(() => repo?.dispose());

async function audit(r: TestRepo): Promise<AuditReport> {
  const out = join(r.dir, ".audit");
  const run = await runModelgate(["audit", "--output", out], r.dir);
  expect(run.stderr).toMatch(/^wrote /);
  return JSON.parse(readFileSync(join(out, "audit.json"), "utf8")) as AuditReport;
}

const row = (report: AuditReport, id: string) => report.provisions.find((p) => p.id === id)!;

describe("modelgate audit: documents with a review date (governance.documents)", () => {
  it("a plan committed today evidences its provision, naming the commit", async () => {
    repo = TestRepo.create("modelgate-governance-");
    repo.write({ ".github/modelgate.yml": POLICY, "docs/incident.md": PLAN });
    const sha = repo.commit("incident plan");
    const report = await audit(repo);
    expect(row(report, "5.2.2-5")).toMatchObject({ coverage: "evidenced", findings: [] });
    expect(row(report, "5.2.2-5").evidence[0]!.text).toMatch(
      new RegExp(
        `^docs/incident\\.md, reviewed \\d{4}-\\d{2}-\\d{2} \\(commit ${sha.slice(0, 12)} by Test User\\), next due `,
      ),
    );
    expect(report.governance?.documents.map((d) => [d.path, d.status])).toEqual([["docs/incident.md", "current"]]);
  });

  it("attack: a symlink at the plan's path (to a file outside the repository) is not the plan", async () => {
    repo = TestRepo.create("modelgate-governance-");
    repo.write({ ".github/modelgate.yml": POLICY });
    repo.write({ "docs/.keep": "" });
    symlinkSync("/etc/hostname", join(repo.dir, "docs", "incident.md"));
    repo.commit("a plan that is a link");
    const report = await audit(repo);
    expect(row(report, "5.2.2-5")).toMatchObject({
      coverage: "organisational",
      evidence: [],
      findings: ["docs/incident.md is not a document: a symbolic link."],
    });
  });

  // the record of the audited commit counts: on the default branch it arrived through governance.review:<path>
  // (this test expected "not signed off by the security role" while records never counted)
  const withRecord = (r: TestRepo, record: { sha256: string; date: string }): void => {
    r.write({ ".github/modelgate.yml": POLICY, "docs/incident.md": PLAN });
    commitDated(r, "plan", "2025-01-01T10:00:00Z");
    r.write({
      "governance/reviews.yaml": `reviews:\n  - { path: docs/incident.md, date: ${record.date}, sha256: ${record.sha256}, reviewer: sec-lead }\n`,
    });
    r.commit("review record");
  };
  const planSha256 = createHash("sha256").update(PLAN).digest("hex");

  it("a review record of the plan's current content renews an old plan, and the matrix names the record", async () => {
    repo = TestRepo.create("modelgate-governance-");
    withRecord(repo, { sha256: planSha256, date: "2026-11-20" });
    const report = await audit(repo);
    expect(row(report, "5.2.2-5")).toMatchObject({ coverage: "evidenced", findings: [] });
    expect(row(report, "5.2.2-5").evidence[0]!.text).toMatch(
      /^docs\/incident\.md, reviewed 2026-11-20 \(record of sec-lead in governance\/reviews\.yaml at the audited commit\), next due 2027-02-18/,
    );
  });

  it.each([
    [
      "attack: a review record of an older content of the plan does not renew it",
      { sha256: createHash("sha256").update("# Incident response\n").digest("hex"), date: "2026-11-20" },
      "review record of 2026-11-20 by sec-lead: reviewed other content than the document's",
    ],
    [
      "attack: a review record dated in the future does not renew the plan",
      { sha256: planSha256, date: "2999-01-01" },
      "review record of 2999-01-01 by sec-lead: dated in the future",
    ],
    [
      "attack: a review record dated before the plan's content was committed does not renew it",
      { sha256: planSha256, date: "2024-12-31" },
      "review record of 2024-12-31 by sec-lead: dated before the document's content of 2025-01-01",
    ],
  ])("%s", async (_label, record, refusal) => {
    repo = TestRepo.create("modelgate-governance-");
    withRecord(repo, record);
    const report = await audit(repo);
    expect(row(report, "5.2.2-5").coverage).toBe("organisational");
    expect(row(report, "5.2.2-5").findings).toEqual([
      expect.stringMatching(/^docs\/incident\.md is overdue for review: reviewed 2025-01-01 /) as string,
      refusal,
    ]);
  });
});

/** A commit whose author and committer dates are `date` (`git log` dates a review by its committer date). */
function commitDated(r: TestRepo, message: string, date: string): void {
  process.env["GIT_AUTHOR_DATE"] = date;
  process.env["GIT_COMMITTER_DATE"] = date;
  try {
    r.commit(message);
  } finally {
    delete process.env["GIT_AUTHOR_DATE"];
    delete process.env["GIT_COMMITTER_DATE"];
  }
}
