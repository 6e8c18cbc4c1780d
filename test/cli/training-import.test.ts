import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { runModelgate } from "./git-repo.js";

// nock with disableNetConnect for every test: test/setup.ts

const ROSTER = [
  "courses:",
  "  - id: ai-security-basics",
  "    roles: [developer, system_operator]",
  "    validity_days: 365",
  "records:",
  "  - login: alice",
  "    course: ai-security-basics",
  "    completed: 2026-03-01",
  "",
].join("\n");

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-training-"));
  folders.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("modelgate training import, into the working tree", () => {
  it("reads an LMS export (BOM, CRLF, quoted fields, emails mapped to logins) and appends its new records", async () => {
    const csv =
      "\uFEFFEmail,Course ID,Completion Date,Comment\r\n" +
      'bob@acme.example,ai-security-basics,2026-11-02T09:15:00Z,"passed, with ""merit"""\r\n' +
      "ALICE@acme.example,ai-security-basics,2026-03-01,already on the roster\r\n" +
      "\r\n";
    const dir = workspace({
      "governance/training.yaml": ROSTER,
      "export.csv": csv,
      "logins.csv": "email,login\nbob@acme.example,bob\nalice@acme.example,alice\n",
    });

    const run = await runModelgate(["training", "import", "export.csv", "--logins", "logins.csv"], dir);

    expect(run).toMatchObject({ code: 0, stdout: "", stderr: "wrote governance/training.yaml: 1 new record\n" });
    expect(readFileSync(join(dir, "governance/training.yaml"), "utf8")).toBe(
      `${ROSTER}  - login: bob\n    course: ai-security-basics\n    completed: 2026-11-02\n`,
    );
  });

  it("imports nothing when a row names a course the roster does not list, and says which row", async () => {
    const dir = workspace({
      "governance/training.yaml": ROSTER,
      "export.csv": "login,course,completed\nbob,ai-security-basics,2026-11-02\ncarol,phishing-101,2026-11-03\n",
    });

    const run = await runModelgate(["training", "import", "export.csv"], dir);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'modelgate: the export was not imported (nothing was written):\n  row 3: course "phishing-101" is not listed under courses in governance/training.yaml\n',
    );
    expect(readFileSync(join(dir, "governance/training.yaml"), "utf8")).toBe(ROSTER);
  });

  it("attack: a quoted cell cannot smuggle a second record into the roster's YAML", async () => {
    const dir = workspace({
      "governance/training.yaml": ROSTER,
      "export.csv":
        'login,course,completed\n"bob\n  - login: mallory\n    course: ai-security-basics\n    completed: 2026-11-01",ai-security-basics,2026-11-02\n',
    });

    const run = await runModelgate(["training", "import", "export.csv"], dir);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("row 2: login: not a GitHub login");
    expect(readFileSync(join(dir, "governance/training.yaml"), "utf8")).toBe(ROSTER);
  });

  it("refuses an export without a completion column, and a roster that does not exist", async () => {
    const dir = workspace({
      "governance/training.yaml": ROSTER,
      "export.csv": "login,course\nbob,ai-security-basics\n",
    });
    expect((await runModelgate(["training", "import", "export.csv"], dir)).stderr).toContain(
      "the header has no column for completed",
    );
    const empty = workspace({ "export.csv": "login,course,completed\n" });
    const run = await runModelgate(["training", "import", "export.csv"], empty);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^modelgate: cannot read .*governance\/training\.yaml/);
    expect(existsSync(join(empty, "governance"))).toBe(false);
  });
});

describe("modelgate training import --open-pr", () => {
  const API = "https://ghe.example.com/api/v3";
  it("opens a pull request that changes the roster: a branch from the default branch, one commit, the pull request", async () => {
    const dir = workspace({ "export.csv": "login,course,completed\nbob,ai-security-basics,2026-11-02\n" });
    const head = "c".repeat(40);
    const rosterSha = "d".repeat(40);
    const bodies: Record<string, unknown> = {};
    nock(API)
      .get("/repos/acme/models")
      .reply(200, { default_branch: "main" })
      .get("/repos/acme/models/contents/governance%2Ftraining.yaml")
      .query({ ref: "main" })
      .reply(200, {
        type: "file",
        sha: rosterSha,
        encoding: "base64",
        content: Buffer.from(ROSTER).toString("base64"),
      })
      .get("/repos/acme/models/git/ref/heads%2Fmain")
      .reply(200, { ref: "refs/heads/main", object: { sha: head, type: "commit" } })
      .post("/repos/acme/models/git/refs", (body: unknown) => Boolean((bodies["ref"] = body)))
      .reply(201, {})
      .put("/repos/acme/models/contents/governance%2Ftraining.yaml", (body: unknown) =>
        Boolean((bodies["file"] = body)),
      )
      .reply(200, {})
      .post("/repos/acme/models/pulls", (body: unknown) => Boolean((bodies["pull"] = body)))
      .reply(201, { number: 12, html_url: "https://ghe.example.com/acme/models/pull/12" });
    let stdout = "";
    let stderr = "";

    const code = await runCli(["training", "import", "export.csv", "--open-pr", "acme/models", "--api-url", API], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      now: () => new Date("2026-12-01T12:34:56Z"),
      cwd: dir,
      env: { GITHUB_TOKEN: "test-token" },
    });

    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: "https://ghe.example.com/acme/models/pull/12\n",
      stderr: "opened acme/models#12: 1 new record\n",
    });
    expect(bodies["ref"]).toEqual({ ref: "refs/heads/modelgate/training-import-20261201T123456", sha: head });
    const file = bodies["file"] as { content: string; sha: string; branch: string; message: string };
    expect({ ...file, content: Buffer.from(file.content, "base64").toString("utf8") }).toEqual({
      message: "Training roster: 1 completion imported",
      sha: rosterSha,
      branch: "modelgate/training-import-20261201T123456",
      content: `${ROSTER}  - login: bob\n    course: ai-security-basics\n    completed: 2026-11-02\n`,
    });
    expect(bodies["pull"]).toMatchObject({
      title: "Training roster: 1 completion imported",
      head: "modelgate/training-import-20261201T123456",
      base: "main",
    });
  });

  it("needs a token", async () => {
    const dir = workspace({ "export.csv": "login,course,completed\n" });
    const run = await runModelgate(["training", "import", "export.csv", "--open-pr", "acme/models"], dir, {
      GITHUB_TOKEN: "",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--open-pr needs a token in GITHUB_TOKEN");
  });
});

describe("modelgate validate and the roster", () => {
  it("checks governance/training.yaml given as a file, with file:line errors", async () => {
    const dir = workspace({
      "governance/training.yaml": ROSTER.replace(
        "course: ai-security-basics\n    completed",
        "course: phishing-101\n    completed",
      ),
    });
    const run = await runModelgate(["validate", "governance/training.yaml"], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'governance/training.yaml:7: records[0].course: course "phishing-101" is not listed under courses',
    );
  });
});
