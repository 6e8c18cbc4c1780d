import { networkInterfaces } from "node:os";
import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

/** Set for the current test by allowRequestsToThisMachine(); every test starts without it. */
let thisMachineAllowed = false;

/** True for `host` or `host:port` naming this machine: loopback or one of its interface addresses. */
function isThisMachine(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost") return true;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === name));
}

/**
 * nock for every test (test/setup.ts runs it for each file): no real network, and after each
 * test no interceptor left unused and no request left unanswered (an unanswered request would
 * hide as "could not evaluate").
 */
export function useNock(): void {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string; host?: string; hostname?: string }) => {
    const host = req.host ?? req.hostname ?? (req.href ? new URL(req.href).host : "");
    if (thisMachineAllowed && isThisMachine(host)) return;
    unmatched.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  };
  beforeEach(() => {
    thisMachineAllowed = false;
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

/** For a file whose tests talk to servers they start on this machine: those requests go through; GitHub stays mocked. */
export function allowRequestsToThisMachine(): void {
  beforeEach(() => {
    thisMachineAllowed = true;
    nock.enableNetConnect(isThisMachine);
  });
}
