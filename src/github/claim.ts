import type { ProbotOctokit } from "probot";
import { httpStatus } from "./errors.js";

/**
 * Claims for "create this GitHub object once" work (one sign-off issue per digest, one
 * end-of-life issue per model version, ...), safe across concurrent deliveries and replicas.
 *
 * The claim is a git ref `refs/modelgate/claims/<key>` created with POST /git/refs: GitHub
 * creates a ref atomically and answers 422 "Reference already exists" to every later
 * attempt, so exactly one caller ever gets "claimed". The ref lives outside refs/heads and
 * refs/tags, so it shows in no branch or tag list and triggers no push workflow.
 *
 * A claim is never released: the claimer is expected to create the object right after. If
 * it died in between, later callers get "taken", find no object, and must fall back to
 * creating it themselves after their wait (see the callers); the ref then only records that
 * a claim was once made.
 */
export type ClaimOutcome = "claimed" | "taken";

export const CLAIM_REF_PREFIX = "refs/modelgate/claims/";

export interface ClaimTarget {
  owner: string;
  repo: string;
  /** Unique name of the work, e.g. `sign-off-<digest hex>`; becomes part of a ref name. */
  key: string;
  /** A commit that exists in the repository (the ref must point somewhere): the PR head. */
  sha: string;
}

/** Atomically claims `key` in the repository: "claimed" for exactly one caller, "taken" for every other. */
export async function claimOnce(octokit: ProbotOctokit, { owner, repo, key, sha }: ClaimTarget): Promise<ClaimOutcome> {
  const ref = claimRef(key);
  try {
    await octokit.rest.git.createRef({ owner, repo, ref, sha });
    return "claimed";
  } catch (error) {
    if (httpStatus(error) === 422 && /already exists/i.test(errorMessage(error))) return "taken";
    throw error;
  }
}

/** The full ref name that records a claim of `key`. */
export function claimRef(key: string): string {
  // the rules of `git check-ref-format`, so GitHub never refuses the ref for its name
  const invalid =
    key === "" ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(key) ||
    key.includes("..") ||
    key.includes("@{") ||
    key.includes("//") ||
    key.startsWith("/") ||
    key.endsWith("/") ||
    key.endsWith(".") ||
    key.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"));
  if (invalid) throw new Error(`claim key "${key}" cannot be part of a git ref name`);
  return `${CLAIM_REF_PREFIX}${key}`;
}

const tails = new Map<string, Promise<unknown>>();

/**
 * Runs `work` after every earlier work queued under the same key in this process has
 * settled, so one replica never races itself between "look for the object" and "create it".
 * Works under different keys run concurrently. A failing work does not block the next one.
 */
export function withKeyedLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const result = previous.then(work, work);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  // forget the key once nothing is queued behind this work, so the map does not grow
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return result;
}

function errorMessage(error: unknown): string {
  const response = (error as { response?: { data?: { message?: unknown } } } | null)?.response;
  const fromBody = response?.data?.message;
  if (typeof fromBody === "string") return fromBody;
  return error instanceof Error ? error.message : String(error);
}

/** Deletes the claim of `key`, so a caller whose creation failed does not leave later callers waiting. */
export async function releaseClaim(octokit: ProbotOctokit, { owner, repo, key }: Omit<ClaimTarget, "sha">): Promise<void> {
  try {
    // deleteRef takes the ref without its "refs/" prefix
    await octokit.rest.git.deleteRef({ owner, repo, ref: claimRef(key).slice("refs/".length) });
  } catch (error) {
    if (httpStatus(error) !== 404 && httpStatus(error) !== 422) throw error;
  }
}

/** The object was claimed by another caller, which has not created it within the wait. */
export class ClaimNotFulfilled extends Error {
  override name = "ClaimNotFulfilled";
}

export interface CreateOnceSteps<T> {
  /** Looks for the object, fresh from GitHub each call. */
  find(): Promise<T | undefined>;
  /** Creates the object; called only by the holder of the claim. */
  create(): Promise<T>;
}

export interface CreateOnceOptions {
  /** Pauses between looks for an object another caller claimed (ms); the first look is immediate. */
  waitsMs?: ReadonlyArray<number>;
  /** How many times a claim whose object never appeared may be taken over (claims `<key>.takeover-<n>`). */
  takeovers?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Short: a live claimer creates its object in well under a second. */
export const DEFAULT_CLAIM_WAITS_MS: ReadonlyArray<number> = [250, 500, 1000, 2000];

/**
 * Creates an object once across deliveries and replicas, or returns the one another caller
 * created. Call it only after `find` came back empty. In this process, callers of one key
 * run one after the other. Then the claim decides: its holder creates (and releases the
 * claim if creation fails, so the next caller may try); everyone else looks again, first at
 * once, then after each wait. If the object never appears, the claimer died between claim
 * and creation: the claim is taken over under the next generation key, so one dead
 * claimer never blocks the object forever. When every generation is taken and nothing
 * appeared, ClaimNotFulfilled is thrown (the caller fails closed and can be retried).
 */
export function findOrCreateOnce<T>(octokit: ProbotOctokit, target: ClaimTarget, steps: CreateOnceSteps<T>, options: CreateOnceOptions = {}): Promise<T> {
  const { owner, repo, key, sha } = target;
  const waits = options.waitsMs ?? DEFAULT_CLAIM_WAITS_MS;
  const takeovers = options.takeovers ?? 1;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return withKeyedLock(`${owner}/${repo}:${key}`, async () => {
    for (let generation = 0; generation <= takeovers; generation++) {
      const generationKey = generation === 0 ? key : `${key}.takeover-${generation}`;
      if ((await claimOnce(octokit, { owner, repo, key: generationKey, sha })) === "claimed") {
        // a takeover may race a claimer that was only slow: look once more before creating
        if (generation > 0) {
          const late = await steps.find();
          if (late !== undefined) return late;
        }
        try {
          return await steps.create();
        } catch (error) {
          await releaseClaim(octokit, { owner, repo, key: generationKey }).catch(() => undefined);
          throw error;
        }
      }
      for (const wait of [0, ...waits]) {
        if (wait > 0) await sleep(wait);
        const found = await steps.find();
        if (found !== undefined) return found;
      }
    }
    throw new ClaimNotFulfilled(
      `${claimRef(key)} (and ${takeovers} takeover claim${takeovers === 1 ? "" : "s"}) exist in ${owner}/${repo}, but what they claim never appeared; delete those refs to let modelgate create it again`,
    );
  });
}
