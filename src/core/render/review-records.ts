import type { Decision } from "../evaluate/types.js";
import { REVIEWS_PATH } from "../governance/documents.js";
import { code, inlineText } from "./markdown.js";
import { STATUS_ICON } from "./requirement-kinds.js";

/** The check run's words for a pull request that adds or changes review records (docs/governance.md "Review records"). */
export function reviewRecordsSection(decision: Decision): string {
  const records = decision.reviewRecords ?? [];
  if (records.length === 0) return "";
  const rows = records.map(
    (r) =>
      `| ${code(r.id, true)} | ${STATUS_ICON[r.status]} ${r.status} | ${inlineText(r.message)} | ${inlineText(r.provision, 100)} |\n`,
  );
  return [
    "",
    "### Document review records",
    "",
    `This pull request records reviews in ${code(REVIEWS_PATH)}. A record counts on the default branch once a holder of the document's owner role who is not an author approves this pull request.`,
    "",
    "| Requirement | Status | Evidence or fix | Provision |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The title's part for review records that are invalid or still wait for their owner role. */
export function reviewRecordsTitlePart(decision: Decision): string {
  const records = decision.reviewRecords ?? [];
  if (records.some((r) => r.status === "failed")) return "review record refused";
  return records.some((r) => r.status === "pending") ? "review record awaits its owner role" : "";
}
