import type { ProbotOctokit } from "probot";
import { MAX_BASELINE_CANDIDATES, releaseCandidates, type ReleaseOrderFields } from "../core/release/order.js";
import { latestCheckRunConclusion } from "./check-runs.js";
import { readBranchHead } from "./read-models.js";
import { CouldNotEvaluate, describeFailure, httpStatus, rethrowAsCouldNotEvaluate } from "./errors.js";

/** What the release gate needs to know about a release (payload or API). */
export interface ReleaseUnderEvaluation {
  id: number;
  tagName: string;
  /** The branch or commit a draft's tag will be created from. */
  targetCommitish: string;
  draft: boolean;
  prerelease: boolean;
  createdAt: string | null;
  publishedAt: string | null;
  htmlUrl: string;
  /** Hypermedia URL template of the asset upload (`…/assets{?name,label}`). */
  uploadUrl: string;
  body: string | null;
  assets: ReleaseAsset[];
}

export interface ReleaseAsset {
  id: number;
  name: string;
}

interface ReleaseFields {
  id: number;
  tag_name: string;
  target_commitish: string;
  draft: boolean;
  prerelease: boolean;
  created_at: string | null;
  published_at: string | null;
  html_url: string;
  upload_url: string;
  body?: string | null;
  assets?: ReadonlyArray<{ id: number; name: string } | null>;
}

/** Reads the fields of a release (webhook payload or REST answer) modelgate uses. */
export function releaseUnderEvaluation(release: ReleaseFields): ReleaseUnderEvaluation {
  return {
    id: release.id,
    tagName: release.tag_name,
    targetCommitish: release.target_commitish,
    draft: release.draft,
    prerelease: release.prerelease,
    createdAt: release.created_at,
    publishedAt: release.published_at,
    htmlUrl: release.html_url,
    uploadUrl: release.upload_url,
    body: release.body ?? null,
    assets: (release.assets ?? []).flatMap((asset) => (asset ? [{ id: asset.id, name: asset.name }] : [])),
  };
}

export interface RepositoryLocation {
  owner: string;
  repo: string;
}

/**
 * The release as it is now: the payload may be stale by the time the gate writes (a re-run,
 * an edit in between), and the body and assets are what the writes must start from.
 */
export async function readRelease(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  releaseId: number,
): Promise<ReleaseUnderEvaluation> {
  try {
    const { data } = await octokit.rest.repos.getRelease({ owner, repo, release_id: releaseId });
    return releaseUnderEvaluation(data);
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: `release ${releaseId}` });
  }
}

/** Every release of the repository, all pages (drafts are listed to apps with contents: write). */
export async function listReleases(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
): Promise<ReleaseUnderEvaluation[]> {
  try {
    const releases = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 });
    return releases.map(releaseUnderEvaluation);
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the releases" });
  }
}

export interface ReleaseBaseline<T> {
  release: T;
  /** The commit of its tag. */
  commit: string;
  /**
   * Why it is the baseline: its `checkName` run passed, or it was published before the App was
   * installed on the repository (no run could judge it; it is taken as it is).
   */
  reason: "passed" | "before-installation";
  /** When the App was installed (the installation's creation), for `before-installation`. */
  installedAt?: string;
}

/**
 * The earlier releases whose models count, in baseline order (releaseCandidates, at most
 * MAX_BASELINE_CANDIDATES): the one walk the release gate's baseline and known good rollback
 * share. A release counts when its tagged commit carries this app's `checkName` run concluded
 * `success`, or carries no such run and was published before the App was installed on the
 * repository (`installedAt`, asked only then; taken as it is). A failing release (kept published
 * by `on_failure: comment`) never counts, or a model version it failed with would never be
 * judged again; nor one published after installation without a passing run. A release whose tag
 * is gone can show nothing and is passed over (comparing with an older one judges more, never
 * less). A GitHub error throws CouldNotEvaluate.
 */
export async function* gatedReleases<T extends ReleaseOrderFields>(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  current: ReleaseOrderFields,
  releases: ReadonlyArray<T>,
  check: { name: string; appId: number },
  installedAt: () => Promise<string>,
): AsyncGenerator<ReleaseBaseline<T>> {
  const { owner, repo } = location;
  for (const candidate of releaseCandidates(current, releases).slice(0, MAX_BASELINE_CANDIDATES)) {
    const commit = await readTagCommit(octokit, location, candidate.tagName);
    if (commit === undefined) continue;
    const conclusion = await latestCheckRunConclusion(octokit, {
      owner,
      repo,
      headSha: commit,
      name: check.name,
      appId: check.appId,
    }).catch((error: unknown) =>
      rethrowAsCouldNotEvaluate(error, {
        owner,
        repo,
        what: `the check run "${check.name}" of the release ${candidate.tagName}`,
        ref: commit,
      }),
    );
    if (conclusion === "success") {
      yield { release: candidate, commit, reason: "passed" };
      continue;
    }
    // a run that failed (or has not finished) never counts, whenever the release was published
    if (conclusion !== undefined) continue;
    const installed = await installedAt();
    if (Date.parse(candidate.publishedAt ?? "") < Date.parse(installed))
      yield { release: candidate, commit, reason: "before-installation", installedAt: installed };
  }
}

/**
 * The release a release is compared with: the first that counts (gatedReleases). `undefined`
 * when none does: every model is judged as new (fail safe).
 */
export async function releaseBaseline<T extends ReleaseOrderFields>(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  current: ReleaseOrderFields,
  releases: ReadonlyArray<T>,
  check: { name: string; appId: number },
  installedAt: () => Promise<string>,
): Promise<ReleaseBaseline<T> | undefined> {
  for await (const gated of gatedReleases(octokit, location, current, releases, check, installedAt)) return gated;
  return undefined;
}

/**
 * When the App was installed on the account that holds the repository: `created_at` of
 * `GET /repos/{owner}/{repo}/installation` (the App's JWT; the installation client switches to it
 * for this route). GitHub does not say when a repository was added to an installation limited to
 * selected repositories: for those, releases published between the installation and the
 * repository's addition count as published after it (docs/releases.md).
 */
export async function readInstallationCreatedAt(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
): Promise<string> {
  let createdAt: unknown;
  try {
    ({ created_at: createdAt } = (await octokit.rest.apps.getRepoInstallation({ owner, repo })).data);
  } catch (error) {
    rethrowAsCouldNotEvaluate(error, { owner, repo, what: "the App's installation on the repository" });
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt)))
    throw new CouldNotEvaluate(`GitHub did not say when the App was installed on ${owner}/${repo}`);
  return new Date(createdAt).toISOString().replace(".000Z", "Z");
}

/** Annotated tags point at tag objects, which may point at further tag objects: follow a few. */
const MAX_TAG_PEELS = 5;

/**
 * The commit a tag names (annotated tags peeled), or `undefined` when the tag does not exist
 * (a draft's tag is created only when it is published).
 */
export async function readTagCommit(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  tag: string,
): Promise<string | undefined> {
  const what = `the tag ${tag}`;
  let object: { type: string; sha: string };
  try {
    ({ object } = (await octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data);
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    rethrowAsCouldNotEvaluate(error, { owner, repo, what });
  }
  for (let peel = 0; object.type === "tag"; peel++) {
    if (peel >= MAX_TAG_PEELS)
      throw new CouldNotEvaluate(`${what} of ${owner}/${repo} is nested deeper than ${MAX_TAG_PEELS} tag objects`);
    try {
      ({ object } = (await octokit.rest.git.getTag({ owner, repo, tag_sha: object.sha })).data);
    } catch (error) {
      rethrowAsCouldNotEvaluate(error, { owner, repo, what });
    }
  }
  if (object.type !== "commit")
    throw new CouldNotEvaluate(`${what} of ${owner}/${repo} names a ${object.type}, not a commit`);
  return object.sha;
}

/**
 * The commit a release describes: its tag's commit, or for a draft whose tag does not exist
 * yet, the commit its target (a branch or a commit SHA) names now.
 */
export async function readReleaseCommit(
  octokit: ProbotOctokit,
  location: RepositoryLocation,
  release: Pick<ReleaseUnderEvaluation, "tagName" | "draft" | "targetCommitish">,
): Promise<string> {
  const tagged = await readTagCommit(octokit, location, release.tagName);
  if (tagged) return tagged;
  const { owner, repo } = location;
  if (!release.draft) throw new CouldNotEvaluate(`the tag ${release.tagName} of ${owner}/${repo} does not exist`);
  if (/^[0-9a-f]{40}$/.test(release.targetCommitish)) return release.targetCommitish;
  const what = `the target branch ${release.targetCommitish} of the draft release ${release.tagName}`;
  return readBranchHead(octokit, { owner, repo, branch: release.targetCommitish }, what);
}

/** The check run's details link: the release page, with the release id that finds it again when its page moves. */
export function releaseDetailsUrl(release: Pick<ReleaseUnderEvaluation, "id" | "htmlUrl">): string {
  return `${release.htmlUrl}#modelgate-release-${release.id}`;
}

/** The release id a details link written by releaseDetailsUrl carries; `undefined` for a link written before it. */
export function releaseIdOfDetailsUrl(detailsUrl: string | null | undefined): number | undefined {
  const match = /#modelgate-release-(\d{1,15})$/.exec(detailsUrl ?? "");
  return match ? Number(match[1]) : undefined;
}

/** Writes the release body, and turns the release back into a draft when asked. */
export async function updateRelease(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  releaseId: number,
  update: { body: string; draft?: true },
): Promise<void> {
  try {
    await octokit.rest.repos.updateRelease({
      owner,
      repo,
      release_id: releaseId,
      body: update.body,
      ...(update.draft ? { draft: true } : {}),
    });
  } catch (error) {
    throw new Error(`could not update release ${releaseId} of ${owner}/${repo}: ${describeFailure(error)}`, {
      cause: error,
    });
  }
}

export interface AssetUpload {
  name: string;
  contentType: string;
  data: string;
}

/**
 * Uploads a release asset to the release's upload_url, first deleting the assets of the same
 * name (GitHub refuses a second asset with a taken name), so that a re-run replaces it.
 */
export async function replaceReleaseAsset(
  octokit: ProbotOctokit,
  { owner, repo }: RepositoryLocation,
  release: Pick<ReleaseUnderEvaluation, "id" | "uploadUrl" | "assets">,
  asset: AssetUpload,
): Promise<void> {
  try {
    for (const old of release.assets.filter((a) => a.name === asset.name)) {
      await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: old.id });
    }
    // the hypermedia template `{?name,label}` is filled in here: Octokit's expansion leaves a stray `&`
    const url = `${release.uploadUrl.replace(/\{\?[^}]*\}$/, "")}?name=${encodeURIComponent(asset.name)}`;
    await octokit.request({
      method: "POST",
      url,
      data: asset.data,
      headers: { "content-type": asset.contentType, "content-length": Buffer.byteLength(asset.data, "utf8") },
    });
  } catch (error) {
    throw new Error(
      `could not upload the asset ${asset.name} to release ${release.id} of ${owner}/${repo}: ${describeFailure(error)}`,
      { cause: error },
    );
  }
}
