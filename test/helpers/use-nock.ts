import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

/**
 * nock for a test file: no real network, and after each test no interceptor left unused
 * and no request left unanswered (an unanswered request would hide as "could not evaluate").
 */
export function useNock(): void {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string }) => unmatched.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  beforeEach(() => {
    nock.disableNetConnect();
    unmatched.length = 0;
    nock.emitter.on("no match", onNoMatch);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.emitter.removeListener("no match", onNoMatch);
    nock.cleanAll();
    expect(unmatched, "requests nothing answered").toEqual([]);
    expect(pending, "mocked requests the app never made").toEqual([]);
  });
}
