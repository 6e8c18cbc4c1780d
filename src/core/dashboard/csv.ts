/**
 * The inventory as CSV (RFC 4180), one row per model at a default branch. Every cell is text a repository's author
 * wrote: a cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) is
 * prefixed with ' (OWASP, "CSV Injection"), and every cell is quoted.
 */
import type { InventoryModel } from "../inventory/types.js";

export const CSV_COLUMNS = [
  "repository",
  "model",
  "version",
  "digest",
  "status",
  "manifest",
  "evaluation",
  "evaluated",
  "evaluation_expires",
  "awaiting_sign_off",
  "sign_offs",
  "pull_request_gate",
  "releases",
  "deployments",
  "end_of_life",
] as const;

/** A cell as text a spreadsheet shows as typed: never a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function inventoryCsv(models: ReadonlyArray<InventoryModel>): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const model of models) lines.push(csvRow(model).map(csvCell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function csvRow(model: InventoryModel): string[] {
  const { standing } = model;
  const evaluation = standing.evaluation;
  const endOfLife = standing.endOfLife;
  return [
    model.fullName,
    model.name,
    model.version,
    model.digest,
    model.status,
    model.manifestPath,
    evaluation ? evaluation.result : "none",
    evaluation?.date ?? "",
    evaluation?.expiresAt ?? "",
    standing.awaitingRoles.join(" "),
    standing.signOffs.map((s) => `${s.role}:${s.login}`).join(" "),
    standing.pullRequest ? standing.pullRequest.conclusion : "",
    standing.releases.map((r) => `${r.tag}:${r.conclusion}`).join(" "),
    standing.deployments.map((d) => `${d.environment}:${d.answer}`).join(" "),
    endOfLife ? `${endOfLife.state} ${endOfLife.itemsDone}/${endOfLife.itemsTotal}` : "",
  ];
}
