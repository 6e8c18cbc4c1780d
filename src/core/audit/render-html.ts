import type { Requirement } from "../evaluate/types.js";
import { shortDigest } from "../render/markdown.js";
import { escapeHtml as e, safeHref } from "./html-escape.js";
import { provisionAnchor } from "./ids.js";
import { PROVISION_CLAUSES } from "./provisions.js";
import { MARKER_ID, OUTCOME_LABEL, timelineMarkerDefs, timelineSvg } from "./timeline-svg.js";
import { acceptedRegressionsHtml, metricsTableHtml } from "./metrics-table.js";
import { metricsSection } from "./metrics-chart.js";
import { monitoringSection } from "./monitoring.js";
import type { AuditModel, AuditReport, AuditVersion, GateOutcome, ProvisionRow, SignOffEvidence } from "./types.js";

// no script, no font, no image from elsewhere: the CSP makes a browser refuse any request the page could make
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:#1f2328;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:16px;margin:24px 0 4px}h4{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:12.5px}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.vt tbody th{font-weight:400}.vt tbody th code{font-size:10.5px}.vt td{overflow-wrap:anywhere}.vt{table-layout:fixed}.pv tbody th{white-space:nowrap}
.pv thead th:nth-child(2){width:20%}.pv thead th:nth-child(3){width:11%}.pv thead th:nth-child(4){width:23%}.pv thead th:nth-child(5){width:22%}
.vt thead th:nth-child(1){width:9%}.vt thead th:nth-child(2){width:14%}.vt thead th:nth-child(3){width:11%}.vt thead th:nth-child(4){width:26%}.vt thead th:nth-child(5){width:31%}.vt thead th:nth-child(6){width:9%}
.gh thead th:nth-child(1){width:8%}.gh thead th:nth-child(2){width:12%}.gh thead th:nth-child(3){width:9%}.gh thead th:nth-child(4){width:17%}.gh thead th:nth-child(5){width:22%}.gh thead th:nth-child(6){width:12%}.gh thead th:nth-child(7){width:12%}.gh thead th:nth-child(8){width:8%}
caption{text-align:left;font-weight:600;padding:4px 0}
.mt{margin:4px 0;font-size:11px}.mt caption{font-weight:400;padding:2px 0}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;word-break:break-all}
ul{margin:0;padding-left:18px}
.muted,.d{color:#57606a}.d{font-size:11px}.e{text-anchor:end}
.tl{width:100%;max-width:720px;height:auto;display:block;margin:4px 0}.tl text{font-size:11px;text-anchor:middle;fill:#1f2328}.tl text.d{text-anchor:start}.tl text.d.e{text-anchor:end}
.vt b{white-space:nowrap}.passed{color:#1a7f37}.failed{color:#cf222e}.pending{color:#57606a}.overridden{color:#9a6700}.not-gated{color:#57606a}
.evidenced{color:#1a7f37;font-weight:600}.partly{color:#9a6700;font-weight:600}.organisational{color:#57606a}
.failure{color:#cf222e}.warning{color:#9a6700}
.mc{display:flex;flex-wrap:wrap;gap:8px;margin:4px 0}.mp{width:250px;height:auto;border:1px solid #d0d7de;border-radius:4px}.mp text{font-size:10px;fill:#57606a}.mp .mt{font-size:11.5px;font-weight:600;fill:#1f2328}.mp .ax{text-anchor:end}.mp .vl{text-anchor:middle}.mp .th{text-anchor:end;fill:#cf222e}.mv,.mh{width:auto}
.legend span{margin-right:14px;white-space:nowrap}.legend svg{vertical-align:middle}
nav ol{columns:2}
dl.s{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dl.s dt{font-weight:600}dl.s dd{margin:0}
article{break-inside:auto;border-top:1px solid #d0d7de;margin-top:18px}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;padding:0;font-size:10.5px}table{font-size:9.5px}thead{display:table-header-group}tr,li{break-inside:avoid}h2,h3{break-after:avoid}nav{display:none}a{color:inherit;text-decoration:none}thead th{position:static}}
`;

const OUTCOME_MARK: Record<GateOutcome, string> = {
  passed: "✓",
  overridden: "⚑",
  pending: "…",
  failed: "✗",
  "not-gated": "–",
};

/**
 * The auditor's evidence pack as one self-contained HTML document: no script, no network at
 * view time, prints on A4, headings and table headers for screen readers, stable anchors.
 */
export function renderAuditHtml(report: AuditReport): string {
  const title = `modelgate audit: ${report.repository.name} at ${report.repository.ref}`;
  const out: string[] = [];
  out.push(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="generator" content="modelgate ${e(report.tool.version)}">`,
    `<title>${e(title)}</title><style>${STYLE}</style></head><body>`,
    timelineMarkerDefs(),
    `<header><h1>Evidence pack: ${e(report.repository.name)}</h1>`,
    `<p>ETSI EN 304 223 V2.1.1 — AI model lifecycle evidence of <strong>${e(report.repository.ref)}</strong> at commit <code>${e(report.repository.commit)}</code>. `,
    `Written by modelgate ${e(report.tool.version)} on ${e(report.generatedAt)}. The same content is in <code>audit.json</code> (format <code>${e(report.format)}</code>).</p></header>`,
    `<nav aria-label="Contents"><h2 id="contents">Contents</h2><ol>`,
    ...[
      ["summary", "Summary"],
      ["sources", "Sources and method"],
      ["findings", "Findings"],
      ["provisions", "Coverage of EN 304 223 provisions"],
      ["inventory", "Inventory (5.2.1-1)"],
      ["unmanaged", "Unmanaged model files (5.2.1-2)"],
      ["releases", "Releases"],
      ["models", "Models and their versions"],
      ...(report.governance ? [["governance", "Governance records"]] : []),
    ].map(([id, text]) => `<li><a href="#${id}">${text}</a></li>`),
    `</ol></nav><main>`,
  );
  out.push(
    summary(report),
    sources(report),
    findings(report),
    provisions(report),
    inventory(report),
    unmanaged(report),
    releases(report),
    models(report),
    governance(report),
  );
  out.push(
    `</main><footer><p class="muted">End of the evidence pack of ${e(report.repository.name)} at <code>${e(report.repository.commit)}</code>.</p></footer></body></html>\n`,
  );
  return out.join("");
}

function summary(report: AuditReport): string {
  const s = report.summary;
  const rows: Array<[string, string]> = [
    [
      "Repository",
      `${e(report.repository.name)}${report.repository.url && safeHref(report.repository.url) ? ` (<a href="${e(report.repository.url)}">${e(report.repository.url)}</a>)` : ""}`,
    ],
    ["Audited ref", `${e(report.repository.ref)} at <code>${e(report.repository.commit)}</code>`],
    ["Models", `${s.models} (${report.inventory.models.length} at the head)`],
    [
      "Versions",
      `${s.versions} in ${s.commits} commits; ${s.failedVersions} failed their gate, ${s.pendingVersions} with approvals pending or not readable`,
    ],
    ["Unmanaged model files at the head", String(s.unmanaged)],
    ["Findings", `<a href="#findings">${s.findings}</a>`],
    ["Evidence read", report.sources.github ? "local git and GitHub" : "local git only"],
  ];
  return `<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><dl class="s">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl></section>`;
}

function sources(report: AuditReport): string {
  const policy = report.policy.found
    ? `<code>${e(report.policy.path)}</code> at the head${report.policy.errors.length > 0 ? " (invalid: see findings)" : ""}`
    : "none: the built-in defaults";
  return (
    `<section id="sources" aria-labelledby="sources-h"><h2 id="sources-h">Sources and method</h2><ul>` +
    report.sources.notes.map((n) => `<li>${e(n)}</li>`).join("") +
    `<li>Policy: ${policy}.</li></ul>` +
    `<p class="legend" aria-label="Legend of the gate outcomes">${(Object.keys(OUTCOME_LABEL) as GateOutcome[])
      .map(
        (o) =>
          `<span><svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true"><use href="#${MARKER_ID[o]}"/></svg> ${OUTCOME_MARK[o]} ${OUTCOME_LABEL[o]}</span>`,
      )
      .join("")}</p></section>`
  );
}

function findings(report: AuditReport): string {
  const items = report.findings.map(
    (f) =>
      `<li id="${e(f.id)}"><span class="${f.severity}">${f.severity === "failure" ? "✗ failure" : "! warning"}</span> ${e(f.message)} ` +
      `(<a href="#${e(provisionAnchor(f.provision))}">${e(f.provision)}</a>; <a href="${e(f.href)}">see</a>) <code class="muted">${e(f.id)}</code></li>`,
  );
  return `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2>${items.length === 0 ? "<p>No findings.</p>" : `<ol>${items.join("")}</ol>`}</section>`;
}

const COVERAGE_TEXT: Record<ProvisionRow["coverage"], string> = {
  evidenced: "evidenced",
  partly: "partly",
  organisational: "organisational — outside modelgate",
};

function provisions(report: AuditReport): string {
  const out = [
    `<section id="provisions" aria-labelledby="provisions-h"><h2 id="provisions-h">Coverage of EN 304 223 provisions</h2>`,
    `<p>Every provision of ETSI EN 304 223 V2.1.1 clause 5, from 5.1.1-1 to 5.5.1-2 (${report.provisions.length} provisions). <em>Evidenced</em>: modelgate checks or records it and this repository's evidence is linked. `,
    `<em>Partly</em>: modelgate records part of it; what is missing is named. <em>Organisational</em>: outside modelgate (training, policies, contracts, runtime operations).</p>`,
    `<table class="pv"><caption>Provisions and the evidence of this repository</caption><thead><tr><th scope="col">Provision</th><th scope="col">Title</th><th scope="col">Coverage</th><th scope="col">What modelgate evidences</th><th scope="col">In this repository</th><th scope="col">Outside modelgate</th></tr></thead>`,
  ];
  for (const clause of PROVISION_CLAUSES) {
    const rows = report.provisions.filter((p) => p.clause === clause.clause);
    out.push(
      `<tbody><tr><th scope="colgroup" colspan="6">${e(clause.clause)} Principle ${clause.principle}: ${e(clause.title)} (secure ${e(clause.phase)})</th></tr>`,
    );
    for (const p of rows) {
      const evidence = p.evidence.map((x) => `<a href="${e(x.href)}">${e(x.text)}</a>`).join("<br>");
      const problems =
        p.findings.length > 0
          ? `<br><span class="failure">${p.findings.length} finding${p.findings.length === 1 ? "" : "s"}: ${p.findings.slice(0, 5).map(findingLink).join(", ")}${p.findings.length > 5 ? ", …" : ""}</span>`
          : "";
      out.push(
        `<tr id="${e(provisionAnchor(p.id))}"><th scope="row">${e(p.id)}</th><td>${e(p.title)}</td><td class="${p.coverage}">${COVERAGE_TEXT[p.coverage]}</td>` +
          `<td>${e(p.modelgate ?? "—")}</td><td>${evidence || "—"}${problems}</td><td>${e(p.outside ?? "—")}</td></tr>`,
      );
    }
    out.push("</tbody>");
  }
  out.push("</table></section>");
  return out.join("");
}

function findingLink(text: string): string {
  // version anchors are listed as links, other findings as text
  return text.startsWith("version-") ? `<a href="#${e(text)}">${e(text)}</a>` : e(text);
}

function verdictText(verdict: string): string {
  if (verdict === "success") return '<span class="passed">✓ ok</span>';
  if (verdict === "failure") return '<span class="failed">✗ failing</span>';
  return '<span class="pending">… pending</span>';
}

function inventory(report: AuditReport): string {
  const rows = report.inventory.models.map(
    (m) =>
      `<tr><th scope="row"><a href="#${e(m.id)}">${e(m.name)}</a></th><td>${e(m.version)}</td><td>${e(m.status)}</td><td><code>${e(m.digest)}</code></td><td><code>${e(m.manifest)}</code></td><td>${verdictText(m.verdict)}</td></tr>`,
  );
  const errors = report.inventory.errors.map((x) => `<li><code>${e(x.path)}:${x.line}</code>: ${e(x.message)}</li>`);
  return (
    `<section id="inventory" aria-labelledby="inventory-h"><h2 id="inventory-h">Inventory (5.2.1-1)</h2><p>Every model declared at <code>${e(report.inventory.commit)}</code>. ` +
    `“State at the head” judges each model today: its component hashes, data provenance and whether its evaluation is still current.</p>` +
    (rows.length === 0
      ? "<p>No model is declared at the head.</p>"
      : `<table><caption>Models at the head</caption><thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Digest</th><th scope="col">Manifest</th><th scope="col">State at the head</th></tr></thead><tbody>${rows.join("")}</tbody></table>`) +
    (errors.length > 0 ? `<h3>Manifests that could not be read</h3><ul>${errors.join("")}</ul>` : "") +
    "</section>"
  );
}

function unmanaged(report: AuditReport): string {
  const rows = report.unmanaged.map((u) => `<tr><td><code>${e(u.path)}</code></td><td>${e(u.source)}</td></tr>`);
  return (
    `<section id="unmanaged" aria-labelledby="unmanaged-h"><h2 id="unmanaged-h">Unmanaged model files at the head (5.2.1-2)</h2>` +
    (rows.length === 0
      ? "<p>None: every model file at the head is declared by a manifest.</p>"
      : `<p>Model files no manifest declares (“shadow AI”), found with the discovery rules of the gate.</p><table><caption>Unmanaged model files</caption><thead><tr><th scope="col">Path</th><th scope="col">Found as</th></tr></thead><tbody>${rows.join("")}</tbody></table>`) +
    "</section>"
  );
}

function releases(report: AuditReport): string {
  const github = report.sources.github;
  const rows = report.releases.map((r) => {
    const tag = r.url && safeHref(r.url) ? `<a href="${e(r.url)}">${e(r.tag)}</a>` : e(r.tag);
    const models = r.models.map((m) => `${e(m.name)} ${e(m.version)}`).join(", ") || "—";
    const extra = github
      ? `<td>${r.checkRun ? link(r.checkRun.url, r.checkRun.conclusion ?? "in progress") : "—"}</td><td>${r.bomAsset ? link(r.bomAsset, "ML-BOM") : "—"}</td>`
      : "";
    return `<tr><th scope="row">${tag}</th><td>${e((r.publishedAt ?? "").slice(0, 10))}</td><td>${r.commit ? `<code>${e(r.commit.slice(0, 12))}</code>` : "not in the local clone"}</td><td>${models}</td>${extra}</tr>`;
  });
  const head = `<th scope="col">${github ? "Release" : "Tag"}</th><th scope="col">Date</th><th scope="col">Commit</th><th scope="col">Model versions</th>${github ? '<th scope="col">modelgate / release</th><th scope="col">Asset</th>' : ""}`;
  return (
    `<section id="releases" aria-labelledby="releases-h"><h2 id="releases-h">Releases</h2>` +
    `<p>${github ? "The GitHub releases of the repository" : "The git tags of the local clone (release notes, release check runs and ML-BOM assets are on GitHub: run with --github)"}, with the model versions each holds.</p>` +
    (rows.length === 0
      ? "<p>None.</p>"
      : `<table><caption>${github ? "Releases" : "Tags"}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`) +
    "</section>"
  );
}

function link(url: string, text: string): string {
  return safeHref(url) ? `<a href="${e(url)}">${e(text)}</a>` : e(text);
}

function models(report: AuditReport): string {
  return `<section id="models" aria-labelledby="models-h"><h2 id="models-h">Models and their versions</h2>${report.models.map((m) => modelArticle(m, report.sources.github, report)).join("")}</section>`;
}

function modelArticle(m: AuditModel, github: boolean, report: AuditReport): string {
  const out = [`<article id="${e(m.id)}" aria-labelledby="${e(m.id)}-h"><h3 id="${e(m.id)}-h">${e(m.name)}</h3>`];
  const current = m.current
    ? `version ${e(m.current.version)}, digest <code>${e(m.current.digest)}</code>, state at the head ${verdictText(m.current.verdict)}`
    : "no longer declared at the head";
  const bom = m.bom ? ` · ML-BOM entry <code>${e(m.bom["bom-ref"] ?? m.name)}</code> (in audit.json)` : "";
  out.push(`<p>Manifest <code>${e(m.manifest)}</code> · status <strong>${e(m.status)}</strong> · ${current}${bom}</p>`);
  const failing = (m.current?.requirements ?? []).filter((r) => r.status !== "met");
  if (failing.length > 0) out.push(`<p>At the head: ${requirementList(failing)}</p>`);
  out.push(timelineSvg(m));
  out.push(
    metricsSection(m, report.monitoring?.thresholds),
    monitoringSection(m, report.monitoring, report.driftIssues),
  );
  out.push(versionTable(m, github));
  for (const issue of m.endOfLife) out.push(endOfLife(issue));
  out.push("</article>");
  return out.join("");
}

function versionTable(m: AuditModel, github: boolean): string {
  if (m.versions.length === 0) return "<p>No version in the audited history.</p>";
  // a simple table (one header row, one header column): browsers and screen readers infer the scopes
  const head = `<th>Landed<th>Version, commit, digest<th>Changes<th>Gate<th>Evaluation${github ? "<th>Sign-offs<th>Pull requests and check runs" : ""}<th>Releases`;
  const rows: string[] = [];
  let previous: AuditVersion | undefined;
  for (const v of m.versions) {
    rows.push(versionRow(v, github, previous));
    previous = v;
  }
  return `<table class="vt${github ? " gh" : ""}"><caption>Versions of ${e(m.name)}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

// one row per version, thousands of them in a large repository: end tags that HTML makes optional are left out
/** The status under the changes when it is news: not for an active model, nor "decommissioned" next to `decommission`. */
function statusNote(v: AuditVersion): string {
  if (v.status === "active") return "";
  if (v.status === "decommissioned" && v.kinds.includes("decommission")) return "";
  return `<br>${e(v.status)}`;
}

function versionRow(v: AuditVersion, github: boolean, previous: AuditVersion | undefined): string {
  // "from → to" only when the version before is not the row above (the usual case needs no arrow)
  const version = v.from && v.from !== previous?.version ? `${e(v.from)} → ${e(v.version)}` : e(v.version);
  const cells = [
    `<td>${e(v.date.slice(0, 10))}`,
    `<th>${version}<br><code>${e(v.commit.slice(0, 12))}<br>${e(shortDigest(v.digest))}</code>`,
    `<td>${e(v.kinds.join(", "))}${statusNote(v)}`,
    `<td><b class="${v.outcome}">${OUTCOME_MARK[v.outcome]} ${OUTCOME_LABEL[v.outcome]}</b>${gateDetail(v)}`,
    `<td>${evaluation(v, previous)}`,
  ];
  if (github) {
    const signOffs = v.signOffs
      .map(
        (s) =>
          `${SIGN_OFF_MARK[s.state]} ${e(s.role)}: ${link(s.url, `@${s.by}`)} ${e(s.at.slice(0, 10))}${unverifiedNote(s)}`,
      )
      .join("<br>");
    const issue = v.signOffIssue
      ? `${link(v.signOffIssue.url, `#${v.signOffIssue.number}`)}${signOffs ? "<br>" : ""}`
      : "";
    cells.push(`<td>${issue}${signOffs || (issue ? "none" : "—")}${acceptedRegressionsHtml(v.acceptedRegressions)}`);
    const prs = v.pullRequests.map((p) => link(p.url, `#${p.number}`)).join(", ");
    const runs = v.checkRuns
      .map(
        (r) =>
          `${link(r.url, r.name)}: ${e(r.modelVerdict ?? r.conclusion ?? "in progress")}${r.release ? ` (${e(r.release)})` : ""}`,
      )
      .join("<br>");
    cells.push(`<td>${prs}${prs && runs ? "<br>" : ""}${runs || (prs ? "" : "—")}`);
  }
  cells.push(`<td>${v.releases.map((r) => (r.url ? link(r.url, r.tag) : e(r.tag))).join(", ") || "—"}`);
  return `<tr id="${e(v.id)}">${cells.join("")}`;
}

function gateDetail(v: AuditVersion): string {
  const failed = v.recomputed.requirements.filter((r) => r.status === "failed");
  const parts: string[] = [];
  if (failed.length > 0) parts.push(requirementList(failed));
  if (v.outcomeSource === "check-run") parts.push('<span class="muted">from the check run</span>');
  return parts.length > 0 ? `<br>${parts.join("<br>")}` : "";
}

function requirementList(requirements: ReadonlyArray<Requirement>): string {
  return requirements
    .map(
      (r) =>
        `<span class="${r.status === "failed" ? "failed" : "pending"}">${r.status === "failed" ? "✗" : "…"} ${e(r.id)}</span>: ${e(r.message)} [${e(r.provision)}]`,
    )
    .join("<br>");
}

/** The threats and how each was addressed; answers shared by several threats are written once. */
function threatText(threats: Record<string, string>): string {
  const byAnswer = new Map<string, string[]>();
  for (const [threat, how] of Object.entries(threats)) byAnswer.set(how, [...(byAnswer.get(how) ?? []), threat]);
  return [...byAnswer].map(([how, names]) => `<i>${e(names.join(", "))}</i>: ${e(how)}`).join("<br>");
}

function evaluation(v: AuditVersion, previous: AuditVersion | undefined): string {
  if (v.evaluations.length === 0)
    return v.recomputed.requirements.some((r) => r.id === "evaluation.bound")
      ? "none bound to this digest"
      : "not required";
  const previousThreats = previous?.evaluations.at(-1)?.threats;
  return v.evaluations
    .map((r, i) => {
      const report = r.report
        ? ` · ${safeHref(r.report) ? link(r.report, "report") : `<code>${e(r.report)}</code>`}`
        : "";
      const same =
        previous &&
        previousThreats &&
        JSON.stringify(previousThreats) === JSON.stringify(r.threats) &&
        Object.keys(r.threats).length > 0;
      // the same answers as the version in the row above are not repeated
      const threats = same ? `threats: as for ${e(previous.version)}` : threatText(r.threats);
      // the last record of the digest is the one the regression gate compared
      const metrics = metricsTableHtml(r, i === v.evaluations.length - 1 ? v.regression : undefined);
      return `${r.result === "pass" ? "pass" : '<span class="failed">fail</span>'} · @${e(r.evaluator)} · ${e(r.date)}${report}${threats ? `<br>${threats}` : ""}${metrics}`;
    })
    .join("<br>");
}

const SIGN_OFF_MARK: Record<SignOffEvidence["state"], string> = { approved: "✓", rejected: "✗", unverified: "…" };

/** A sign-off whose role holding could not be read says so: it is not counted. */
function unverifiedNote(s: SignOffEvidence): string {
  return s.state === "unverified" ? ' <span class="pending">(role not verified, not counted)</span>' : "";
}

function endOfLife(issue: AuditModel["endOfLife"][number]): string {
  const items = issue.checklist.map((i) => `<li>${i.checked ? "☑" : "☐"} ${e(i.item)}</li>`).join("");
  const signOffs = issue.signOffs
    .map(
      (s) =>
        `<li>${SIGN_OFF_MARK[s.state]} ${e(s.role)} by ${link(s.url, `@${s.by}`)} on ${e(s.at)}${unverifiedNote(s)}</li>`,
    )
    .join("");
  const missing =
    issue.missingRoles.length > 0
      ? `<p class="failure">Sign-offs missing: ${e(issue.missingRoles.join(", "))}</p>`
      : "";
  return (
    `<h4>End of life: ${link(issue.url, `issue #${issue.number}`)} (${e(issue.state)}${issue.closedAt ? ` ${e(issue.closedAt.slice(0, 10))}` : ""})</h4>` +
    `<p>Last digest <code>${e(issue.digest)}</code></p><ul aria-label="Disposal checklist">${items}</ul>` +
    (signOffs ? `<ul aria-label="Disposal sign-offs">${signOffs}</ul>` : "<p>No disposal sign-off yet.</p>") +
    missing
  );
}

/** The documents of governance.documents and the published security policy (docs/governance.md). */
function governance(report: AuditReport): string {
  if (!report.governance) return "";
  const rows = report.governance.documents.map(
    (d) =>
      `<tr><th scope="row"><code>${e(d.path)}</code></th><td>${e(d.provisions.join(", "))}</td><td>${e(d.ownerRole)}</td>` +
      `<td class="${d.status === "current" ? "passed" : "failed"}">${e(d.status)}</td><td>${e(d.message)}</td></tr>`,
  );
  const policy = report.governance.disclosurePolicy
    ? `<p>Security policy published: <code>${e(report.governance.disclosurePolicy)}</code>.</p>`
    : `<p class="failure">No security policy GitHub would show.</p>`;
  return (
    `<section id="governance" aria-labelledby="governance-h"><h2 id="governance-h">Governance records</h2>${policy}` +
    `<table><caption>Documents with a review date (governance.documents)</caption><thead><tr><th scope="col">Document</th><th scope="col">Provisions</th><th scope="col">Owner role</th><th scope="col">Status</th><th scope="col">Review</th></tr></thead>` +
    `<tbody>${rows.join("") || '<tr><td colspan="5">None required by the policy.</td></tr>'}</tbody></table></section>`
  );
}
