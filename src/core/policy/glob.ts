import picomatch from "picomatch";

/** A matcher for repository paths (`**` also matches the top folder; dotfiles included). */
export function globMatcher(globs: ReadonlyArray<string>): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}
