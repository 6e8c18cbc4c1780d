import { describe, expect, test } from "vitest";
import { releaseDetailsUrl, releaseIdOfDetailsUrl } from "../../../src/github/releases.js";

describe("the release id in the check run's details link", () => {
  test.each([
    {
      name: "written by releaseDetailsUrl",
      url: releaseDetailsUrl({ id: 101, htmlUrl: "https://github.com/acme/models/releases/tag/v2.1.0" }),
      expected: 101,
    },
    {
      name: "the release page alone (a run written before)",
      url: "https://github.com/acme/models/releases/tag/v2.1.0",
      expected: undefined,
    },
    { name: "no link", url: null, expected: undefined },
    {
      name: "another anchor",
      url: "https://github.com/acme/models/releases/tag/v2.1.0#modelgate-release-",
      expected: undefined,
    },
  ])("$name", ({ url, expected }) => {
    expect(releaseIdOfDetailsUrl(url)).toBe(expected);
  });
});
