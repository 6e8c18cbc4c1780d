import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

// a loopback request is a test's own server (net connect enabled by that test), never GitHub
const isLoopback = (req: { hostname?: string; host?: string; href?: string }): boolean =>
  /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(req.host ?? req.hostname ?? "") || /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(req.href ?? "");

/**
 * nock for every test (test/setup.ts runs it for each file): no real network, and after each
 * test no interceptor left unused and no request left unanswered (an unanswered request would
 * hide as "could not evaluate").
 */
export function useNock(): void {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string; hostname?: string; host?: string }) => {
    if (!isLoopback(req)) unmatched.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  };
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
