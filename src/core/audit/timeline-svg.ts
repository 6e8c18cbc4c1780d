import type { AuditModel, GateOutcome } from "./types.js";
import { escapeHtml } from "./html-escape.js";

export const OUTCOME_LABEL: Record<GateOutcome, string> = {
  passed: "passed",
  overridden: "overridden (break glass)",
  pending: "approvals pending",
  failed: "failed",
  "not-gated": "not gated",
};

/** Short ids: a large repository has thousands of markers. */
export const MARKER_ID: Record<GateOutcome, string> = {
  passed: "mk-p",
  overridden: "mk-o",
  pending: "mk-w",
  failed: "mk-f",
  "not-gated": "mk-n",
};

const WIDTH = 720;
const HEIGHT = 58;
const LEFT = 36;
const RIGHT = WIDTH - 36;
const AXIS_Y = 22;
const MIN_LABEL_GAP = 120;

/**
 * The markers of the timelines, defined once per document: a shape per outcome (not colour
 * alone, so that it prints in black and white and reads for colour-blind readers).
 */
export function timelineMarkerDefs(): string {
  return [
    '<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>',
    '<g id="mk-p"><circle r="6" fill="#1a7f37"/></g>',
    '<g id="mk-o"><path d="M-6 6L0-7L6 6Z" fill="#9a6700"/></g>',
    '<g id="mk-w"><circle r="5" fill="#fff" stroke="#6e7781" stroke-width="2.5"/></g>',
    '<g id="mk-f"><path d="M-5-5L5 5M5-5L-5 5" stroke="#cf222e" stroke-width="3.5"/></g>',
    '<g id="mk-n"><rect x="-4" y="-4" width="8" height="8" fill="#8c959f"/></g>',
    "</defs></svg>",
  ].join("");
}

/** One model's versions over time, each marked by its gate outcome (inline SVG, no script, no external reference). */
export function timelineSvg(model: AuditModel): string {
  const versions = model.versions;
  const times = versions.map((v) => Date.parse(v.date));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = last - first;
  const x = (t: number): number =>
    versions.length === 1 || span === 0 ? (LEFT + RIGHT) / 2 : LEFT + ((t - first) / span) * (RIGHT - LEFT);
  const counts = new Map<GateOutcome, number>();
  for (const v of versions) counts.set(v.outcome, (counts.get(v.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, n]) => `${n} ${OUTCOME_LABEL[outcome]}`).join(", ");
  const label =
    versions.length === 0
      ? `${model.name}: no version in the history`
      : `Timeline of ${model.name}: ${versions.length} version${versions.length === 1 ? "" : "s"} from ${versions[0]!.date.slice(0, 10)} to ${versions.at(-1)!.date.slice(0, 10)}; ${summary}`;
  const parts = [`<svg class="tl" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">`];
  parts.push(`<path d="M${LEFT} ${AXIS_Y}H${RIGHT}" stroke="#d0d7de" stroke-width="2"/>`);
  let lastLabel = -Infinity;
  const markers: string[] = [];
  const labels: string[] = [];
  versions.forEach((v, i) => {
    const at = Math.round(x(times[i]!));
    markers.push(`<use href="#${MARKER_ID[v.outcome]}" x="${at}"/>`);
    // labels only where they do not overlap; the versions table lists every one
    if (at - lastLabel >= MIN_LABEL_GAP) {
      labels.push(`<text x="${at}">${escapeHtml(v.version)}</text>`);
      lastLabel = at;
    }
  });
  parts.push(
    `<g transform="translate(0 ${AXIS_Y})">${markers.join("")}</g><g transform="translate(0 ${AXIS_Y + 20})">${labels.join("")}</g>`,
  );
  if (versions.length > 0) {
    parts.push(`<text x="${LEFT}" y="${HEIGHT - 2}" class="d">${escapeHtml(versions[0]!.date.slice(0, 10))}</text>`);
    if (span > 0)
      parts.push(
        `<text x="${RIGHT}" y="${HEIGHT - 2}" class="d e">${escapeHtml(versions.at(-1)!.date.slice(0, 10))}</text>`,
      );
  }
  parts.push("</svg>");
  return parts.join("");
}
