import {
  ACCEPT_REGRESSION_USAGE,
  parseAcceptRegression,
  type RegressionAcceptanceCommand,
} from "./accept-regression.js";

/** A command in a comment on a sign-off issue (docs/sign-off.md "Commands"). */
export type SignOffCommand =
  | { type: "approve"; role: string }
  | { type: "reject"; role: string; reason: string }
  | { type: "revoke"; role: string }
  | { type: "override"; reason: string }
  | RegressionAcceptanceCommand;

export type ParsedCommand = { command: SignOffCommand } | { error: string };

const USAGE: Record<SignOffCommand["type"], string> = {
  approve: "/approve <role>",
  reject: "/reject <role> <reason>",
  revoke: "/revoke <role>",
  override: "/override <reason>",
  "accept-regression": ACCEPT_REGRESSION_USAGE,
};

const VERBS = Object.keys(USAGE) as Array<SignOffCommand["type"]>;
const COMMAND_LINE = /^\/(approve|reject|revoke|override|accept-regression)(?:\s+(.*))?$/i;
const LOOKS_LIKE_COMMAND = /^\/(approve|reject|revoke|override|accept-regression)/i;
const ROLE = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * The command of a comment: its first non-empty line must be the command. Anything
 * else is an ordinary comment (`undefined`), including a malformed command.
 */
export function parseCommand(body: string): SignOffCommand | undefined {
  const parsed = parseCommandOrError(body);
  return parsed && "command" in parsed ? parsed.command : undefined;
}

/**
 * Like parseCommand, but a first line that starts like a command and is malformed
 * yields `{ error }` with the usage, so the handler can tell the commenter.
 */
export function parseCommandOrError(body: string): ParsedCommand | undefined {
  const line = firstNonEmptyLine(body);
  if (line === undefined || !LOOKS_LIKE_COMMAND.test(line)) return undefined;
  const match = COMMAND_LINE.exec(line);
  if (!match) {
    const word = line.split(/\s/)[0] ?? line;
    return { error: `${word} is not a command; use one of ${VERBS.map((v) => `\`${USAGE[v]}\``).join(", ")}` };
  }
  const type = (match[1] ?? "").toLowerCase() as SignOffCommand["type"];
  const rest = (match[2] ?? "").trim();
  const usage = `\`${USAGE[type]}\``;
  if (type === "accept-regression") return parseAcceptRegression(rest);
  if (type === "override") {
    return rest
      ? { command: { type, reason: rest } }
      : { error: `/override needs a reason on the same line: ${usage}` };
  }
  const [roleWord = "", ...reasonWords] = rest.split(/\s+/).filter((w) => w !== "");
  const role = roleWord.toLowerCase();
  if (!role) return { error: `/${type} needs a role: ${usage}` };
  if (!ROLE.test(role)) return { error: `"${roleWord}" is not a role name: ${usage}` };
  const reason = rest.slice(rest.indexOf(roleWord) + roleWord.length).trim();
  if (type === "reject") {
    return reason
      ? { command: { type, role, reason } }
      : { error: `/reject needs a reason on the same line: ${usage}` };
  }
  if (reasonWords.length > 0) return { error: `/${type} takes only a role: ${usage}` };
  return { command: { type, role } };
}

function firstNonEmptyLine(body: string): string | undefined {
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed !== "") return trimmed;
  }
  return undefined;
}

/** The command as modelgate understood it, without any free text from the comment (safe to echo in a reply). */
export function commandSummary(command: SignOffCommand): string {
  switch (command.type) {
    case "approve":
    case "revoke":
      return `/${command.type} ${command.role}`;
    case "reject":
      return `/reject ${command.role}`;
    case "override":
      return "/override";
    case "accept-regression":
      return `/accept-regression ${command.metric} ${command.baseline}`;
  }
}
