import type { Decision } from "../evaluate/types.js";
import { TRAINING_ROSTER_PATH } from "../governance/training-schema.js";
import { code, inlineText } from "./markdown.js";
import { STATUS_ICON } from "./requirement-kinds.js";

/** The check run's words for a pull request that changes the training roster (docs/governance.md "Training"). */
export function rosterSection(decision: Decision): string {
  const roster = decision.roster ?? [];
  if (roster.length === 0) return "";
  const rows = roster.map(
    (r) =>
      `| ${code(r.id, true)} | ${STATUS_ICON[r.status]} ${r.status} | ${inlineText(r.message)} | ${inlineText(r.provision, 100)} |\n`,
  );
  return [
    "",
    "### Training roster",
    "",
    `This pull request changes ${code(TRAINING_ROSTER_PATH)}, which decides whose sign-offs count. It takes effect on the default branch once a holder of ${code("training.admins")} who is not its author approves it.`,
    "",
    "| Requirement | Status | Evidence or fix | Provision |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The title's part for a roster change that still waits for its admins. */
export function rosterTitlePart(decision: Decision): string {
  return (decision.roster ?? []).some((r) => r.status !== "met") ? "training roster change awaits its admins" : "";
}
