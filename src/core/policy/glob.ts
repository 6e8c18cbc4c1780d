import picomatch from "picomatch";

/** A matcher for repository paths (`**` also matches the top folder; dotfiles included). */
export function globMatcher(globs: ReadonlyArray<string>): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}

/**
 * A matcher for the artefact globs (`models.artifacts`): case-insensitive, so `model.SAFETENSORS`
 * or `Weights.Bin` is a model file like `model.safetensors` (a file system or an upload tool may
 * change the case; a model file must not escape discovery by it). Matching more paths only
 * reports more files: the safe direction.
 */
export function artifactMatcher(globs: ReadonlyArray<string>): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true, nocase: true });
}

/**
 * A matcher for deployment environment names (`deployments.environments`): case-insensitive,
 * because GitHub compares environment names without case (`Production` is `production`); a
 * gated environment must not escape its gate by the spelling of a workflow's `environment:`.
 */
export function environmentMatcher(globs: ReadonlyArray<string>): (environment: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true, nocase: true });
}
