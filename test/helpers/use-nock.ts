import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

/**
 * nock for a test file: no real network, and after each test no interceptor left unused
 * and no request left unanswered (an unanswered request would hide as "could not evaluate").
 */
export function useNock(options: { loopback?: boolean } = {}): void {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string; hostname?: string; host?: string }) => {
    // a test of the server talks to it on 127.0.0.1 for real
    if (options.loopback && /^(http:\/\/)?127\.0\.0\.1[:/]/.test(req.href ?? req.host ?? "")) return;
    unmatched.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  };
  beforeEach(() => {
    nock.disableNetConnect();
    if (options.loopback) nock.enableNetConnect("127.0.0.1");
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
