import { describe, expect, it } from "vitest";
import { describeFailure, httpStatus } from "../../../src/github/errors.js";

/** What Octokit's RequestError is when fetch fails before any answer: status 500, no response, the network error as cause. */
function networkFailure(cause: Record<string, unknown> & { message: string }): Error {
  const networkError = Object.assign(new Error(cause.message), cause);
  return Object.assign(new Error(cause.message), {
    name: "HttpError",
    status: 500,
    request: { method: "GET" },
    cause: Object.assign(new TypeError("fetch failed"), { cause: networkError }),
  });
}

/** A RequestError for an answer GitHub sent: it has the response. */
const answered = (status: number): Error =>
  Object.assign(new Error("Bad Gateway"), {
    name: "HttpError",
    status,
    request: { method: "GET" },
    response: { status, headers: {}, data: { message: "Bad Gateway" } },
  });

describe("describeFailure: errors name their true cause", () => {
  it.each<[string, unknown, string, number | undefined]>([
    ["an HTTP answer is its status", answered(502), "GitHub answered 502", 502],
    ["a 500 GitHub sent is a 500", answered(500), "GitHub answered 500", 500],
    [
      "attack of circumstance: a refused connection is not 'GitHub answered 500'",
      networkFailure({
        code: "ECONNREFUSED",
        message: "connect ECONNREFUSED 10.0.0.1:443",
        address: "10.0.0.1",
        port: 443,
      }),
      "connection refused (10.0.0.1:443)",
      undefined,
    ],
    [
      "a DNS failure names the host",
      networkFailure({
        code: "ENOTFOUND",
        message: "getaddrinfo ENOTFOUND ghe.example.com",
        hostname: "ghe.example.com",
      }),
      "DNS lookup failed (ghe.example.com)",
      undefined,
    ],
    [
      "a DNS failure that may pass",
      networkFailure({
        code: "EAI_AGAIN",
        message: "getaddrinfo EAI_AGAIN api.github.com",
        hostname: "api.github.com",
      }),
      "DNS lookup failed (api.github.com)",
      undefined,
    ],
    [
      "a reset connection",
      networkFailure({ code: "ECONNRESET", message: "read ECONNRESET" }),
      "connection reset",
      undefined,
    ],
    [
      "a connect timeout of undici",
      networkFailure({ code: "UND_ERR_CONNECT_TIMEOUT", message: "Connect Timeout Error" }),
      "timed out",
      undefined,
    ],
    [
      "an aborted request (Octokit rethrows AbortError with status 500)",
      Object.assign(new DOMException("This operation was aborted", "AbortError"), { status: 500 }),
      "timed out",
      undefined,
    ],
    [
      "anything else says what it is",
      new Error("socket closed unexpectedly\nstack"),
      "the request failed (socket closed unexpectedly)",
      undefined,
    ],
  ])("%s", (_case, error, described, status) => {
    expect(describeFailure(error)).toBe(described);
    expect(httpStatus(error)).toBe(status);
  });
});
