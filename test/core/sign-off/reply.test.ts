import { describe, expect, test } from "vitest";
import {
  overrideRefusedOnEndOfLife,
  refusedReply,
  unverifiedReply,
  usageReply,
} from "../../../src/core/sign-off/reply.js";

describe("the answers to sign-off and end-of-life commands", () => {
  test.each([
    {
      name: "usage: the parser's error, its usage shown as written",
      reply: usageReply("alice", "/approve needs a role: `/approve <role>`"),
      expected: { kind: "usage", text: "@alice /approve needs a role: `/approve <role>`" },
    },
    {
      name: "usage: a hostile word in the error cannot forge a marker",
      reply: usageReply("alice", '"<!--x-->" is not a role name: `/approve <role>`'),
      expected: { kind: "usage", text: '@alice "&lt;!--x--&gt;" is not a role name: `/approve <role>`' },
    },
    {
      name: "refused: the command as understood and the replay's reason",
      reply: refusedReply("dana", { type: "approve", role: "developer" }, "@dana is an author of this change"),
      expected: { kind: "refused", text: "@dana `/approve developer` was refused: @dana is an author of this change" },
    },
    {
      name: "refused without a reason: the policy is named",
      reply: refusedReply("dana", { type: "revoke", role: "developer" }, undefined),
      expected: { kind: "refused", text: "@dana `/revoke developer` was refused: it does not meet the policy" },
    },
    {
      name: "refused: a rejection's free text is never echoed",
      reply: refusedReply("bob", { type: "reject", role: "system_operator", reason: "<!-- forged -->" }, "a reason"),
      expected: { kind: "refused", text: "@bob `/reject system_operator` was refused: a reason" },
    },
    {
      name: "override on an end-of-life issue",
      reply: overrideRefusedOnEndOfLife("sam"),
      expected: {
        kind: "refused",
        text: "@sam `/override` was refused: break glass does not apply to an end-of-life issue; the disposal has to be done and signed off with `/approve <role>`.",
      },
    },
    {
      name: "unverified: fail closed, naming the cause",
      reply: unverifiedReply(
        "alice",
        { type: "approve", role: "developer" },
        "GitHub answered 502 while reading the membership of @alice",
      ),
      expected: {
        kind: "unverified",
        text: "@alice modelgate could not verify `/approve developer` (GitHub answered 502 while reading the membership of @alice), so it is not confirmed and nothing was updated. Please post the command again in a moment.",
      },
    },
  ])("$name", ({ reply, expected }) => {
    expect(reply).toEqual(expected);
  });
});
