/** One request the app sent to GitHub, as recorded at the fetch boundary. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/repos/acme/models/check-runs`. */
  path: string;
  body: unknown;
}

/** A fetch for Octokit that records every request (method, path, JSON body) before nock answers it. */
export function createRecorder(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
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
