/** One request the app sent to GitHub, as recorded at the fetch boundary. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/repos/acme/models/check-runs`. */
  path: string;
  body: unknown;
}

/** The URL a fetch was called with, whichever form it was given in. */
export function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/** A fetch for Octokit that records every request (method, path, JSON body) before nock answers it. */
export function createRecorder(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(requestUrl(input));
    const raw = init?.body;
    let body: unknown = raw;
    if (typeof raw === "string") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    requests.push({ method: (init?.method ?? "GET").toUpperCase(), path: `${url.pathname}${url.search}`, body });
    return fetch(input, init);
  };
  return { fetch: recordingFetch, requests };
}
