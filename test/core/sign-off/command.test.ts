import { describe, expect, it } from "vitest";
import { parseCommand, parseCommandOrError, type SignOffCommand } from "../../../src/core/sign-off/command.js";

describe("parseCommand", () => {
  it.each<[string, SignOffCommand | undefined]>([
    ["/approve developer", { type: "approve", role: "developer" }],
    ["/APPROVE developer", { type: "approve", role: "developer" }],
    ["/Approve Data_Custodian", { type: "approve", role: "data_custodian" }],
    ["\n\n   /approve system_operator  \nLooks good to me.", { type: "approve", role: "system_operator" }],
    ["/approve\tdeveloper", { type: "approve", role: "developer" }],
    [
      "/reject developer the eval skipped evasion",
      { type: "reject", role: "developer", reason: "the eval skipped evasion" },
    ],
    ["/revoke data_custodian", { type: "revoke", role: "data_custodian" }],
    ["/override incident 4711: roll forward", { type: "override", reason: "incident 4711: roll forward" }],
    ["/override   spaced   reason  ", { type: "override", reason: "spaced   reason" }],
    ["\r\n/approve developer\r\n", { type: "approve", role: "developer" }],
    // ordinary comments
    ["LGTM", undefined],
    ["", undefined],
    ["   \n  ", undefined],
    ["Please /approve developer", undefined],
    ["> /approve developer", undefined],
    ["thanks\n/approve developer", undefined],
    ["/lgtm", undefined],
    // malformed commands are not commands
    ["/approve", undefined],
    ["/approve developer please", undefined],
    ["/reject developer", undefined],
    ["/override", undefined],
    ["/approve 'developer'", undefined],
    ["/approved developer", undefined],
    // attack: homoglyphs never make a command or a role (Cyrillic о and е, fullwidth solidus, zero-width space)
    ["/apprоve developer", undefined],
    ["/approve devеloper", undefined],
    ["／approve developer", undefined],
    ["/approve\u200bdeveloper", undefined],
    ["/override\u00a0", undefined],
  ])("%j", (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });
});

describe("parseCommandOrError", () => {
  it.each<[string, RegExp]>([
    ["/approve", /^\/approve needs a role: `\/approve <role>`$/],
    ["/approve developer please", /^\/approve takes only a role: `\/approve <role>`$/],
    ["/revoke developer now", /^\/revoke takes only a role: `\/revoke <role>`$/],
    ["/reject developer", /^\/reject needs a reason on the same line: `\/reject <role> <reason>`$/],
    ["/reject", /^\/reject needs a role/],
    ["/override", /^\/override needs a reason on the same line: `\/override <reason>`$/],
    ["/override    ", /^\/override needs a reason/],
    ["/approve 'developer'", /^"'developer'" is not a role name: `\/approve <role>`$/],
    [
      "/approved developer",
      /^\/approved is not a command; use one of `\/approve <role>`, `\/reject <role> <reason>`, `\/revoke <role>`, `\/override <reason>`, `\/accept-regression <metric> <baseline digest or none> <reason>`$/,
    ],
  ])("%j is a malformed command", (body, error) => {
    const parsed = parseCommandOrError(body);
    expect(parsed && "error" in parsed ? parsed.error : parsed).toMatch(error);
  });

  it("returns the command of a well-formed one and nothing for an ordinary comment", () => {
    expect(parseCommandOrError("/approve developer")).toEqual({ command: { type: "approve", role: "developer" } });
    expect(parseCommandOrError("Nice work!")).toBeUndefined();
  });
});
