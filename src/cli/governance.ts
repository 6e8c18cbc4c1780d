import type { GovernanceEvidence } from "../core/audit/types.js";
import { securityPolicyIn } from "../core/governance/disclosure.js";
import {
  DOCUMENT_HISTORY_DEPTH,
  REVIEWS_PATH,
  documentFile,
  documentStanding,
  parseReviewRecords,
  type DocumentCommit,
} from "../core/governance/documents.js";
import type { Policy } from "../core/policy/schema.js";
import { CliError } from "./cli-error.js";
import { readContents, type GitSnapshot } from "./git-snapshot.js";
import { runGit } from "./git.js";

/**
 * The governance records of the audited commit, from local git (docs/governance.md): each document's history, the
 * security policy in its tree. The review records are those of governance/reviews.yaml at the audited commit: on the
 * default branch they arrived through their owner role's approval (`governance.review:<path>`).
 */
export async function readGovernance(
  repo: string,
  head: GitSnapshot,
  policy: Policy,
  now: Date,
): Promise<GovernanceEvidence> {
  const documents = policy.governance.documents;
  await readContents(repo, [{ snapshot: head, paths: [...documents.map((d) => d.path), REVIEWS_PATH] }]);
  const reviews = head.contents.get(REVIEWS_PATH);
  const parsed = reviews?.kind === "text" ? parseReviewRecords(reviews.text) : undefined;
  const records = parsed?.ok ? parsed.records : [];
  const standings = [];
  for (const document of documents) {
    const file = documentFile(head.entries.get(document.path), head.contents.get(document.path));
    const history = file.kind === "file" ? await documentHistory(repo, head.commit, document.path) : [];
    standings.push(
      documentStanding(
        document,
        {
          file,
          history,
          historyTruncated: history.length > DOCUMENT_HISTORY_DEPTH,
          records,
          recordsAt: "at the audited commit",
        },
        now,
      ),
    );
  }
  const disclosurePolicy = securityPolicyIn(head);
  return { documents: standings, ...(disclosurePolicy ? { disclosurePolicy } : {}) };
}

/** The commits that touched `path` up to `commit`, newest first, with the document's text after each (one more than the depth, to know the last one's "before"). */
async function documentHistory(repo: string, commit: string, path: string): Promise<DocumentCommit[]> {
  const log = await runGit(repo, [
    "log",
    `--max-count=${DOCUMENT_HISTORY_DEPTH + 1}`,
    "--format=%H%x00%cI%x00%an",
    commit,
    "--",
    path,
  ]);
  if (log.code !== 0) throw new CliError(`cannot read the history of ${path}: ${log.stderr}`);
  const commits: DocumentCommit[] = [];
  for (const line of log.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const [sha, date, author] = line.split("\0");
    const shown = await runGit(repo, ["cat-file", "blob", `${sha}:${path}`]);
    const text = shown.code === 0 ? decodeText(shown.stdout) : undefined;
    commits.push({ sha: sha!, date: date!, ...(author ? { author } : {}), ...(text !== undefined ? { text } : {}) });
  }
  return commits;
}

function decodeText(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
