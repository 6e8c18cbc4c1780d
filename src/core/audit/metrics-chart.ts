import { countingEvaluation, evaluationTime } from "../evidence/evaluation.js";
import type { LoadedManifest } from "../manifest/load-manifest.js";
import type { MonitoringThreshold } from "../policy/monitoring-schema.js";
import { escapeHtml as e } from "./html-escape.js";
import type { AuditModel, AuditVersion } from "./types.js";

/** What a version's counting evaluation measured (docs/audit.md): drawn in the model's metrics chart. */
export interface MeasuredEvaluation {
  date: string;
  result: "pass" | "fail";
  metrics: Record<string, number>;
  dataset?: { name: string; sha256: string };
}

/** The measurements of the evaluation that counts for this version at this commit (`countingEvaluation`), when it has any. */
export function measuredAt(
  manifest: LoadedManifest,
  version: string,
  digest: string,
): { measured?: MeasuredEvaluation } {
  const counting = countingEvaluation({ version, digest }, [{ where: "this commit", loaded: manifest }]);
  const record = counting?.record;
  if (!record?.metrics || Object.keys(record.metrics).length === 0) return {};
  return {
    measured: {
      date: record.date,
      result: record.result,
      metrics: record.metrics,
      ...(record.dataset ? { dataset: record.dataset } : {}),
    },
  };
}

/** One point of the chart: a version's measurement, once per version and evaluation date. */
interface Point {
  version: string;
  date: string;
  time: number;
  measured: MeasuredEvaluation;
}

/** The measurements of a model over time: the first row of each version and evaluation date, oldest first. */
export function metricPoints(versions: ReadonlyArray<AuditVersion>): Point[] {
  const seen = new Set<string>();
  const points: Point[] = [];
  for (const v of versions) {
    if (!v.measured) continue;
    const key = `${v.version}\n${v.measured.date}`;
    const time = evaluationTime(v.measured.date);
    if (seen.has(key) || Number.isNaN(time)) continue;
    seen.add(key);
    points.push({ version: v.version, date: v.measured.date, time, measured: v.measured });
  }
  return points.sort((a, b) => a.time - b.time);
}

/** At most this many metrics are drawn per model (every one is in the table). */
const MAX_PANELS = 6;
const W = 250;
const H = 132;
const PAD = { left: 44, right: 14, top: 26, bottom: 30 };

/**
 * A model's evaluation metrics over time (docs/audit.md): one small panel per metric (each on its own scale:
 * an accuracy of 0.9 and an attack success rate of 0.03 do not share an axis), a point per version labelled with
 * it, a dashed line where monitoring sets a threshold; then every value in a table. Inline SVG, no script, no
 * external reference; each panel has a title and a description for screen readers.
 */
export function metricsSection(model: AuditModel, thresholds: ReadonlyArray<MonitoringThreshold> = []): string {
  const points = metricPoints(model.versions);
  if (points.length === 0) return "";
  const names = [...new Set(points.flatMap((p) => Object.keys(p.measured.metrics)))].sort();
  const panels = names.slice(0, MAX_PANELS).map((name, index) =>
    metricPanel(
      model,
      name,
      points,
      thresholds.filter((t) => t.metric === name),
      index,
    ),
  );
  const legend =
    thresholds.length > 0
      ? `<p class="d">● measured at the version's evaluation · <span class="failed">- - -</span> monitoring threshold · <span class="failed">○</span> outside it</p>`
      : "";
  return [
    `<h4>Measured at evaluation</h4>`,
    `<div class="mc">${panels.join("")}</div>`,
    legend,
    metricsTable(model, names, points),
  ].join("");
}

function metricPanel(
  model: AuditModel,
  name: string,
  allPoints: ReadonlyArray<Point>,
  thresholds: ReadonlyArray<MonitoringThreshold>,
  index: number,
): string {
  const points = allPoints.filter((p) => Object.hasOwn(p.measured.metrics, name));
  const values = points.map((p) => p.measured.metrics[name]!);
  const limits = thresholds.flatMap((t) => [t.max, t.min].filter((x): x is number => x !== undefined));
  let low = Math.min(...values, ...limits);
  let high = Math.max(...values, ...limits);
  if (low === high) {
    low -= Math.abs(low) * 0.1 || 1;
    high += Math.abs(high) * 0.1 || 1;
  }
  const margin = (high - low) * 0.08;
  low -= margin;
  high += margin;
  const first = allPoints[0]!.time;
  const span = allPoints.at(-1)!.time - first;
  const x = (time: number) =>
    span === 0 ? (PAD.left + W - PAD.right) / 2 : PAD.left + ((time - first) / span) * (W - PAD.left - PAD.right);
  const y = (value: number) => PAD.top + (1 - (value - low) / (high - low)) * (H - PAD.top - PAD.bottom);
  const id = `${model.id}-m${index}`;
  const trend = points
    .map((p) => `${p.version} ${format(p.measured.metrics[name]!)} (${p.date.slice(0, 10)})`)
    .join(", ");
  const desc = `${name} of ${model.name} at each evaluation: ${trend}.${thresholds.length > 0 ? ` Monitoring threshold: ${thresholds.map(thresholdText).join(", ")}.` : ""}`;
  const out = [
    `<svg class="mp" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${e(id)}-t" aria-describedby="${e(id)}-d">`,
    `<title id="${e(id)}-t">${e(name)} of ${e(model.name)} over time</title><desc id="${e(id)}-d">${e(desc)}</desc>`,
    `<text x="${PAD.left}" y="15" class="mt">${e(name)}</text>`,
    `<path d="M${PAD.left} ${PAD.top - 4}V${H - PAD.bottom}H${W - PAD.right}" stroke="#d0d7de" fill="none"/>`,
    `<text x="${PAD.left - 4}" y="${round(y(high - margin)) + 4}" class="ax">${e(format(high - margin))}</text>`,
    `<text x="${PAD.left - 4}" y="${round(y(low + margin)) + 4}" class="ax">${e(format(low + margin))}</text>`,
  ];
  for (const t of thresholds) {
    for (const [limit, sign] of [
      [t.max, "≤"],
      [t.min, "≥"],
    ] as const) {
      if (limit === undefined) continue;
      const ly = round(y(limit));
      out.push(
        `<path d="M${PAD.left} ${ly}H${W - PAD.right}" stroke="#cf222e" stroke-dasharray="4 3" fill="none"><title>monitoring threshold: ${e(thresholdText(t))}</title></path>`,
        `<text x="${W - PAD.right}" y="${ly - 3}" class="th">${sign} ${e(format(limit))}</text>`,
      );
    }
  }
  if (points.length > 1)
    out.push(
      `<polyline points="${points.map((p) => `${round(x(p.time))},${round(y(p.measured.metrics[name]!))}`).join(" ")}" fill="none" stroke="#0969da" stroke-width="2"/>`,
    );
  let lastLabel = -Infinity;
  for (const p of points) {
    const px = round(x(p.time));
    const py = round(y(p.measured.metrics[name]!));
    const value = p.measured.metrics[name]!;
    const outside = thresholds.some(
      (t) => (t.max !== undefined && value > t.max) || (t.min !== undefined && value < t.min),
    );
    // outside a monitoring threshold: a hollow red ring (a shape, not colour alone)
    const mark = outside ? `r="5" fill="#fff" stroke="#cf222e" stroke-width="2.5"` : `r="4" fill="#0969da"`;
    const note = `${p.version}: ${format(value)} (${p.date.slice(0, 10)})${outside ? ", outside the monitoring threshold" : ""}${p.measured.result === "fail" ? ", evaluation failed" : ""}`;
    out.push(`<circle cx="${px}" cy="${py}" ${mark}><title>${e(note)}</title></circle>`);
    // version labels where they fit; the table lists every value
    if (px - lastLabel >= 40) {
      out.push(`<text x="${px}" y="${H - PAD.bottom + 14}" class="vl">${e(p.version)}</text>`);
      lastLabel = px;
    }
  }
  out.push("</svg>");
  return out.join("");
}

function metricsTable(model: AuditModel, names: ReadonlyArray<string>, points: ReadonlyArray<Point>): string {
  const head = `<th>Version<th>Evaluated<th>Dataset${names.map((n) => `<th>${e(n)}`).join("")}`;
  const rows = points.map((p) => {
    const dataset = p.measured.dataset
      ? `${e(p.measured.dataset.name)}<br><code>${e(p.measured.dataset.sha256.slice(0, 12))}</code>`
      : "—";
    const cells = names.map((n) => {
      const value = p.measured.metrics[n];
      return `<td>${value === undefined ? "—" : e(format(value))}`;
    });
    return `<tr><th>${e(p.version)}<td>${e(p.date.slice(0, 10))}${p.measured.result === "fail" ? " (failed)" : ""}<td>${dataset}${cells.join("")}</tr>`;
  });
  return `<table class="mv"><caption>Metrics of ${e(model.name)} at each evaluation</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function thresholdText(t: MonitoringThreshold): string {
  const parts = [];
  if (t.min !== undefined) parts.push(`≥ ${format(t.min)}`);
  if (t.max !== undefined) parts.push(`≤ ${format(t.max)}`);
  return `${parts.join(" and ")}${t.security ? " (security)" : ""}`;
}

/** Values as people read them: at most 4 significant digits, no exponent for ordinary values. */
export function format(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1000 || abs < 0.001) return value.toPrecision(3);
  return String(Number(value.toPrecision(4)));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
