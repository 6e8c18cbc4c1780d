/** The training roster a story's GitHub holds (docs/governance.md "Training"): read from the default branch only. */
import nock from "nock";
import { GITHUB_API } from "./fake-repository.js";

const ROSTER = "governance%2Ftraining.yaml";

/**
 * `roster` as `governance/training.yaml` on the default branch of `owner/repo` (no ref: GitHub answers for the default
 * branch), last changed at `committedAt`; `undefined` serves a 404 there. `times` reads (persisting when "always").
 */
export function serveRoster(
  owner: string,
  repo: string,
  roster: string | undefined,
  options: { committedAt?: string; times?: number | "always" } = {},
): void {
  const always = options.times === "always";
  const times = typeof options.times === "number" ? options.times : 1;
  const scope = () => (always ? nock(GITHUB_API).persist() : nock(GITHUB_API));
  const contents = scope().get(`/repos/${owner}/${repo}/contents/${ROSTER}`);
  const counted = always ? contents.optionally() : contents.times(times);
  if (roster === undefined) {
    counted.reply(404, { message: "Not Found" });
    return;
  }
  counted.reply(200, roster, { "content-type": "application/vnd.github.raw; charset=utf-8" });
  const commits = scope()
    .get(`/repos/${owner}/${repo}/commits`)
    .query({ path: "governance/training.yaml", per_page: "1" });
  const answer = [
    { sha: "1".repeat(40), commit: { committer: { date: options.committedAt ?? "2026-11-20T09:00:00Z" } } },
  ];
  (always ? commits.optionally() : commits.times(times)).reply(200, answer);
}

/** A roster with one course for the three accountable roles (a year's validity) and these completions. */
export function rosterWith(records: Array<{ login: string; completed: string }>): string {
  return [
    "courses:",
    "  - id: ai-security-basics",
    "    roles: [developer, system_operator, data_custodian]",
    "    validity_days: 365",
    records.length > 0 ? "records:" : "records: []",
    ...records.flatMap((r) => [
      `  - login: ${r.login}`,
      "    course: ai-security-basics",
      `    completed: ${r.completed}`,
    ]),
    "",
  ].join("\n");
}
