import { describe, expect, test } from "vitest";
import {
  previousRelease,
  releaseCandidates,
  tagVersion,
  type ReleaseOrderFields,
} from "../../../src/core/release/order.js";

const release = (id: number, tagName: string, options: Partial<ReleaseOrderFields> = {}): ReleaseOrderFields => ({
  id,
  tagName,
  draft: false,
  prerelease: false,
  publishedAt: `2026-0${Math.min(id, 9)}-01T00:00:00Z`,
  ...options,
});

describe("previousRelease: the release a release is compared with", () => {
  test.each([
    { name: "the first release has none", current: release(1, "v1.0.0"), others: [], expected: undefined },
    {
      name: "the highest lower version",
      current: release(4, "v1.2.0"),
      others: [release(1, "v1.0.0"), release(2, "v1.1.0"), release(3, "v1.1.1")],
      expected: 3,
    },
    {
      name: "a hotfix published after a newer major compares with its own line",
      current: release(5, "v1.4.1"),
      others: [release(3, "v1.4.0"), release(4, "v2.0.0")],
      expected: 3,
    },
    {
      name: "tags with and without the v prefix are compared as versions",
      current: release(3, "2.0.0"),
      others: [release(1, "v1.9.0"), release(2, "1.10.0")],
      expected: 2,
    },
    {
      name: "drafts never count",
      current: release(3, "v1.2.0"),
      others: [release(1, "v1.0.0"), release(2, "v1.1.0", { draft: true, publishedAt: null })],
      expected: 1,
    },
    {
      name: "a full release skips prereleases",
      current: release(3, "v2.0.0"),
      others: [release(1, "v1.0.0"), release(2, "v2.0.0-rc.1", { prerelease: true })],
      expected: 1,
    },
    {
      name: "a prerelease compares with the previous prerelease",
      current: release(3, "v2.0.0-rc.2", { prerelease: true }),
      others: [release(1, "v1.0.0"), release(2, "v2.0.0-rc.1", { prerelease: true })],
      expected: 2,
    },
    {
      name: "the release itself is excluded",
      current: release(2, "v1.1.0"),
      others: [release(2, "v1.1.0"), release(1, "v1.0.0")],
      expected: 1,
    },
    {
      name: "tags that are not versions: the release published last before it",
      current: release(3, "nightly-c", { publishedAt: "2026-05-01T00:00:00Z" }),
      others: [
        release(1, "nightly-a", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(2, "nightly-b", { publishedAt: "2026-04-01T00:00:00Z" }),
        release(4, "nightly-d", { publishedAt: "2026-06-01T00:00:00Z" }),
      ],
      expected: 2,
    },
    {
      name: "a draft compares with the latest published release",
      current: release(9, "nightly-z", { draft: true, publishedAt: null }),
      others: [
        release(1, "nightly-a", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(2, "nightly-b", { publishedAt: "2026-04-01T00:00:00Z" }),
      ],
      expected: 2,
    },
    {
      name: "the first version after date tags compares with the last date tag",
      current: release(3, "v1.0.0", { publishedAt: "2026-05-01T00:00:00Z" }),
      others: [
        release(1, "2026.03", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(2, "2026.04", { publishedAt: "2026-04-01T00:00:00Z" }),
      ],
      expected: 2,
    },
    {
      name: "a higher version is never before a lower one, whatever the dates",
      current: release(3, "v1.0.0", { publishedAt: "2026-05-01T00:00:00Z" }),
      others: [release(2, "v2.0.0", { publishedAt: "2026-04-01T00:00:00Z" })],
      expected: undefined,
    },
  ])("$name", ({ current, others, expected }) => {
    expect(previousRelease(current, others)?.id).toBe(expected);
  });
});

describe("releaseCandidates: the releases looked at for the baseline, newest first", () => {
  test.each([
    { name: "the first release has none", current: release(1, "v1.0.0"), others: [], expected: [] },
    {
      name: "lower versions, highest first",
      current: release(4, "v1.2.0"),
      others: [release(1, "v1.0.0"), release(3, "v1.1.1"), release(2, "v1.1.0")],
      expected: [3, 2, 1],
    },
    {
      name: "a hotfix walks its own line, never the newer major",
      current: release(5, "v1.4.1"),
      others: [release(3, "v1.4.0"), release(4, "v2.0.0"), release(2, "v1.3.0")],
      expected: [3, 2],
    },
    {
      name: "drafts, the release itself and (for a full release) prereleases are never candidates",
      current: release(5, "v2.0.0"),
      others: [
        release(5, "v2.0.0"),
        release(4, "v2.0.0-rc.1", { prerelease: true }),
        release(3, "v1.2.0", { draft: true, publishedAt: null }),
        release(1, "v1.0.0"),
      ],
      expected: [1],
    },
    {
      name: "after the lower versions, the earlier tags that are not versions, latest first",
      current: release(4, "v1.0.0", { publishedAt: "2026-05-01T00:00:00Z" }),
      others: [
        release(1, "2026.03", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(3, "v0.9.0"),
        release(2, "2026.04", { publishedAt: "2026-04-01T00:00:00Z" }),
      ],
      expected: [3, 2, 1],
    },
    {
      name: "tags that are not versions: published before it, latest first",
      current: release(3, "nightly-c", { publishedAt: "2026-05-01T00:00:00Z" }),
      others: [
        release(1, "nightly-a", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(2, "nightly-b", { publishedAt: "2026-04-01T00:00:00Z" }),
        release(4, "nightly-d", { publishedAt: "2026-06-01T00:00:00Z" }),
      ],
      expected: [2, 1],
    },
    {
      name: "a draft: every published release, latest first",
      current: release(9, "nightly-z", { draft: true, publishedAt: null }),
      others: [
        release(1, "nightly-a", { publishedAt: "2026-03-01T00:00:00Z" }),
        release(2, "nightly-b", { publishedAt: "2026-04-01T00:00:00Z" }),
      ],
      expected: [2, 1],
    },
  ])("$name", ({ current, others, expected }) => {
    expect(releaseCandidates(current, others).map((r) => r.id)).toEqual(expected);
    // the previous release is always the first candidate
    expect(previousRelease(current, others)?.id).toBe(expected[0]);
  });
});

describe("tagVersion", () => {
  test.each([
    { tag: "v1.2.3", expected: "1.2.3" },
    { tag: "1.2.3-rc.1", expected: "1.2.3-rc.1" },
    { tag: "V2.0.0", expected: "2.0.0" },
    { tag: "version-1", expected: undefined },
    { tag: "v1.2", expected: undefined },
    { tag: "release-2026-11", expected: undefined },
  ])("$tag", ({ tag, expected }) => {
    expect(tagVersion(tag)).toBe(expected);
  });
});
