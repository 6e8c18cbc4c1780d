import { inlineText } from "../render/markdown.js";
import { commandSummary, type SignOffCommand } from "./command.js";

/**
 * modelgate's answers to a command on a sign-off or end-of-life issue. Text that came from a
 * comment or from GitHub (a parse error, a refusal's reason) goes through inlineText, the one
 * sanitiser of user text: one line, no HTML, so a reply can never forge a hidden marker.
 */
export interface CommandReply {
  /** One answer of each kind per comment (the reply marker names it). */
  kind: "usage" | "refused" | "unverified" | "recorded";
  text: string;
}

/** A comment that looks like a command but is not one (an unknown role word, a missing reason). */
export function usageReply(login: string, error: string): CommandReply {
  return { kind: "usage", text: `@${login} ${inlineText(error, 500)}` };
}

/** An accepted approval of a role the tracked pull requests do not need: what it counts for (the replay's note). */
export function recordedReply(login: string, note: string): CommandReply {
  return { kind: "recorded", text: `@${login} ${inlineText(note, 1000)}` };
}

/** A command the rules refuse (docs/sign-off.md "The rules"): the reason the replay gave. */
export function refusedReply(login: string, command: SignOffCommand, reason: string | undefined): CommandReply {
  return {
    kind: "refused",
    text: `@${login} \`${commandSummary(command)}\` was refused: ${inlineText(reason ?? "it does not meet the policy", 1000)}`,
  };
}

/** Break glass does not apply to a disposal: it has to be done and signed off. */
export function overrideRefusedOnEndOfLife(login: string): CommandReply {
  return {
    kind: "refused",
    text: `@${login} \`/override\` was refused: break glass does not apply to an end-of-life issue; the disposal has to be done and signed off with \`/approve <role>\`.`,
  };
}

/** A regression is accepted for a version that ships; a disposal has no metrics to accept. */
export function acceptRegressionRefusedOnEndOfLife(login: string): CommandReply {
  return {
    kind: "refused",
    text: `@${login} \`/accept-regression\` was refused: a regression is accepted on the sign-off issue of the version that ships, not on an end-of-life issue.`,
  };
}

/** Fail closed: what could not be read (membership, the policy, the tracking marker) confirms nothing. */
export function unverifiedReply(login: string, command: SignOffCommand, reason: string): CommandReply {
  return {
    kind: "unverified",
    text: `@${login} modelgate could not verify \`${commandSummary(command)}\` (${inlineText(reason, 500)}), so it is not confirmed and nothing was updated. Please post the command again in a moment.`,
  };
}
