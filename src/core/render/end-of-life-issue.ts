import { requiredRoles } from "../evaluate/approval-requirements.js";
import { describeRoleHolders } from "../evaluate/roles.js";
import type { Policy } from "../policy/schema.js";
import type { SignOffState } from "../sign-off/replay.js";
import { CHECKLIST_END, CHECKLIST_START, normaliseItem } from "../end-of-life/checklist.js";
import { endOfLifeMarker } from "../end-of-life/marker.js";
import { code, holderMentions, inlineText, plural } from "./markdown.js";
import { ISSUE_BODY_MAX_CHARS } from "./sign-off-issue.js";
import { truncateChars } from "./truncate.js";

export function endOfLifeIssueTitle(model: string, version: string): string {
  return `End of life: ${model} ${version}`;
}

export interface EndOfLifeRole {
  role: string;
  holders: { users: string[]; teams: string[] };
  state?: "approved" | "rejected" | "pending";
  by?: string;
}

export interface EndOfLifeIssueInput {
  model: string;
  version: string;
  /** The last digest of the model: what must be disposed of. */
  digest: string;
  manifestPath: string;
  org: string;
  /** The roles that must sign off the disposal (docs/end-of-life.md: data_custodian and system_operator, 5.5.1-1/-2). */
  roles: EndOfLifeRole[];
  /** The policy's `end_of_life.checklist`. */
  checklist: ReadonlyArray<string>;
  /** Items already ticked (e.g. read back with parseChecklist when the body is re-rendered). */
  checked?: ReadonlyArray<string>;
  components: Array<{ id: string; kind?: string; sha256?: string; source?: string }>;
  datasets: Array<{ name: string; source?: string }>;
  /** The commit that decommissioned the model, when known. */
  commit?: string;
  /** Signs the identity marker (see endOfLifeMarker). */
  markerKey: string;
}

/** The body of an end-of-life issue: who must act, what to dispose of, and the disposal checklist. */
export function renderEndOfLifeIssueBody(input: EndOfLifeIssueInput): string {
  const checked = new Set((input.checked ?? []).map(normaliseItem));
  const mentions = [...new Set(input.roles.flatMap((role) => holderMentions(role.holders, input.org)))];
  const lines = [
    endOfLifeMarker(input, input.markerKey),
    `## End of life: ${inlineText(input.model)} ${inlineText(input.version)}`,
    "",
    `**${inlineText(input.model)}** was decommissioned${input.commit ? ` in ${code(input.commit)}` : ""} (manifest ${code(input.manifestPath)}). Its data, weights and access must now be disposed of (EN 304 223 5.5.1-1, 5.5.1-2).`,
    "",
    mentions.length > 0
      ? `${mentions.map((m) => inlineText(m, 140)).join(" ")}: please take part in the disposal and sign it off.`
      : "No role holders are declared: declare them in the policy so that someone can sign the disposal off.",
    "",
    `Last digest: ${code(input.digest)}`,
    "",
    "### Disposal checklist",
    "",
    "Tick each item once it is done. This issue closes only when every item is ticked and the roles below have signed off.",
    "",
    CHECKLIST_START,
    ...input.checklist.map((item) => `- [${checked.has(normaliseItem(item)) ? "x" : " "}] ${checklistLine(item)}`),
    CHECKLIST_END,
    "",
    ROLES_HEADING,
    "",
    ...roleTable(input.roles, input.org),
    "",
    `When the disposal is done, each role signs it off with a new comment: ${input.roles.map((role) => code(`/approve ${role.role}`)).join(", ") || code("/approve <role>")}. ${code("/reject <role> <reason>")} and ${code("/revoke <role>")} work as on sign-off issues; edited comments never count.`,
    "",
  ];
  const head = lines.join("\n");
  const components = listSection(
    "### Components to dispose of",
    input.components.map(
      (c) =>
        `| ${code(c.id, true)} | ${c.kind ? inlineText(c.kind, 40) : ""} | ${c.sha256 ? code(c.sha256, true) : "no hash declared"} | ${c.source ? inlineText(c.source, 300) : "this repository"} |`,
    ),
    "| Component | Kind | SHA-256 | Where |\n|---|---|---|---|",
    "No components are declared.",
  );
  const datasets = listSection(
    "### Datasets to dispose of",
    input.datasets.map(
      (d) => `| ${inlineText(d.name, 200)} | ${d.source ? inlineText(d.source, 500) : "source not recorded"} |`,
    ),
    "| Dataset | Source |\n|---|---|",
    "No training data is declared.",
  );
  // the checklist comes first so it always survives; long inventories are cut
  const room = ISSUE_BODY_MAX_CHARS - head.length - 200;
  return head + fitInChars(components + datasets, room);
}

const ROLES_HEADING = "### Sign-off required";

function roleStateText(state: EndOfLifeRole["state"]): string {
  if (state === "approved") return "✅ approved";
  if (state === "rejected") return "❌ rejected";
  return "⏳ pending";
}

function roleTable(roles: ReadonlyArray<EndOfLifeRole>, org: string): string[] {
  return [
    "| Role | State | Who can sign |",
    "|---|---|---|",
    ...roles.map((role) => {
      const state = roleStateText(role.state);
      const who =
        holderMentions(role.holders, org)
          .map((m) => inlineText(m, 140))
          .join(", ") || "nobody declared";
      return `| ${inlineText(role.role, 60)} | ${state}${role.by ? ` by @${inlineText(role.by, 60)}` : ""} | ${who} |`;
    }),
  ];
}

/**
 * An end-of-life issue body with its sign-off table showing these role states (after a
 * command was accepted), everything else as it stands: the checklist people tick stays as is.
 * The body unchanged when it has no table where modelgate rendered one.
 */
export function replaceEndOfLifeRoles(body: string, roles: ReadonlyArray<EndOfLifeRole>, org: string): string {
  const heading = body.indexOf(`\n${ROLES_HEADING}\n`);
  if (heading < 0) return body;
  const tableStart = body.indexOf("\n| Role | State | Who can sign |", heading);
  if (tableStart < 0) return body;
  const tableEnd = body.indexOf("\n\n", tableStart + 1);
  const end = tableEnd < 0 ? body.length : tableEnd;
  return `${body.slice(0, tableStart + 1)}${roleTable(roles, org).join("\n")}${body.slice(end)}`;
}

function listSection(heading: string, rows: string[], tableHead: string, empty: string): string {
  if (rows.length === 0) return `\n${heading}\n\n${empty}\n`;
  return `\n${heading}\n\n${tableHead}\n${rows.join("\n")}\n`;
}

function fitInChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf("\n", Math.max(0, maxChars - 60));
  const omitted = text
    .slice(cut)
    .split("\n")
    .filter((line) => line.startsWith("| ")).length;
  return `${text.slice(0, Math.max(0, cut))}\n\n… ${plural(omitted, "more row")} not shown (see the model's manifest and ML-BOM).\n`;
}

/** A checklist item as one line, HTML escaped so that it can never end the checklist section. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function checklistLine(item: string): string {
  return truncateChars(oneLine(item), 300).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The reply to an early close: every unticked item and every role still to sign off, with who holds it. */
export function endOfLifeMissingMessage(
  progress: { unchecked: ReadonlyArray<string>; missingRoles: ReadonlyArray<string>; policy: Policy },
  org: string,
): string {
  const lines = [
    "This end-of-life issue closes only when the disposal is complete, so modelgate reopened it. Still missing:",
    "",
  ];
  for (const item of progress.unchecked) lines.push(`- [ ] ${item.replace(/[\r\n]+/g, " ")}`);
  for (const role of progress.missingRoles) {
    lines.push(
      `- sign-off by **${role}** (${describeRoleHolders(progress.policy, role, org)}): comment ${code(`/approve ${role}`)}`,
    );
  }
  lines.push("", "Tick each item in the issue description once it is done; the issue then closes by itself.");
  return lines.join("\n");
}

/** The roles that sign off a disposal (gates.decommission.approvals), with their holders and standing state. */
export function endOfLifeRoles(policy: Policy, signOffs: SignOffState | undefined): EndOfLifeRole[] {
  return requiredRoles(policy, ["decommission"]).map((role) => {
    const holders = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
    const standing = signOffs?.roles[role];
    return {
      role,
      holders: { users: [...(holders?.users ?? [])], teams: [...(holders?.teams ?? [])] },
      state: standing?.state ?? "pending",
      ...(standing ? { by: standing.by } : {}),
    };
  });
}
