/**
 * The dashboard's views, rendered from the inventory (plain data in, HTML out; docs/dashboard.md, "What a user
 * sees"). The access rule is applied before: these functions show whatever they are given.
 */
import { PROVISION_CLAUSES } from "../audit/provisions.js";
import { escapeHtml, safeHref } from "../audit/html-escape.js";
import { disposalOpen, isFailing, modelMatches } from "../inventory/filters.js";
import type {
  InventoryModel,
  InventoryRepository,
  ModelTimeline,
  UnmanagedFile,
  VersionStanding,
} from "../inventory/types.js";
import { modelHref, type OrganisationProvisionRow } from "./organisation.js";
import { FILTER_LABELS, FILTER_NAMES, modelsQueryString, PAGE_SIZE, type ModelsQuery } from "./query.js";
import { csrfField, page, type Viewer } from "./render-layout.js";

const e = escapeHtml;

/** A link when the URL is http(s), else the text alone. */
function link(url: string, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${e(href)}">${e(text)}</a>` : e(text);
}

function badge(kind: "good" | "bad" | "warn" | "info" | "muted", text: string): string {
  return `<span class="badge badge-${kind}">${e(text)}</span>`;
}

/** The short standing of a model version as badges (the same rules as the filters). */
export function standingBadges(model: InventoryModel, now: Date): string {
  const { standing } = model;
  const badges: string[] = [];
  if (model.status !== "active") badges.push(badge("muted", model.status));
  if (modelMatches(model, { notEvaluated: true }, now)) badges.push(badge("bad", "not evaluated"));
  else if (standing.evaluation?.result === "fail") badges.push(badge("bad", "evaluation failed"));
  else if (modelMatches(model, { evaluationExpiringWithinDays: 0 }, now))
    badges.push(badge("bad", "evaluation expired"));
  else if (modelMatches(model, { evaluationExpiringWithinDays: 30 }, now))
    badges.push(badge("warn", `expires ${dateOnly(standing.evaluation?.expiresAt ?? "")}`));
  else badges.push(badge("good", "evaluated"));
  if (standing.awaitingRoles.length > 0) badges.push(badge("warn", `awaiting ${standing.awaitingRoles.join(", ")}`));
  if (isFailing(standing) && standing.evaluation?.result !== "fail") badges.push(badge("bad", "gate failing"));
  if (model.status === "decommissioned" && disposalOpen(standing)) badges.push(badge("warn", "disposal open"));
  return badges.join(" ");
}

function dateOnly(iso: string): string {
  return iso.slice(0, 10);
}

function deployedTo(standing: VersionStanding): string {
  const approved = standing.deployments.filter((d) => d.answer === "approved").map((d) => d.environment);
  return approved.length > 0 ? approved.map((env) => badge("info", env)).join(" ") : `<span class="muted">—</span>`;
}

export interface ModelsView {
  viewer: Viewer;
  query: ModelsQuery;
  /** Every model that passes the filters (the page shows PAGE_SIZE of them). */
  models: ReadonlyArray<InventoryModel>;
  /** The repositories the user can read, for the repository choice. */
  repositories: ReadonlyArray<Pick<InventoryRepository, "repositoryId" | "fullName">>;
  now: Date;
}

export function modelsPage(view: ModelsView): string {
  const { query, models, now, viewer } = view;
  const pages = Math.max(1, Math.ceil(models.length / PAGE_SIZE));
  const current = Math.min(query.page, pages);
  const shown = models.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
  const rows = shown
    .map(
      (m) => `<tr>
<td><a href="/dashboard?repository=${m.repositoryId}">${e(m.fullName)}</a></td>
<td><a href="${modelHref(m.repositoryId, m.name)}">${e(m.name)}</a></td>
<td>${e(m.version)}</td>
<td>${standingBadges(m, now)}</td>
<td>${deployedTo(m.standing)}</td>
<td><code title="${e(m.digest)}">${e(m.digest.slice(0, 19))}…</code></td>
</tr>`,
    )
    .join("\n");
  const table =
    shown.length === 0
      ? `<p class="empty">No model matches these filters in the repositories you can read.</p>`
      : `<table class="models">
<caption>Models ${(current - 1) * PAGE_SIZE + 1}–${(current - 1) * PAGE_SIZE + shown.length} of ${models.length}</caption>
<thead><tr><th scope="col">Repository</th><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Standing</th><th scope="col">Deployed to</th><th scope="col">Digest</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  return page({
    title: "Models",
    viewer,
    section: "models",
    body: `<h1>Models</h1>
<p class="lead">${count(models.length, "model")} at the default branches of the repositories you can read.</p>
${filterForm(view)}
<form class="export" method="post" action="/dashboard/export/inventory.csv">${csrfField(viewer)}${hiddenQuery(query)}<button type="submit">Export these models as CSV</button></form>
${table}
${pagination(query, current, pages)}`,
  });
}

function filterForm(view: ModelsView): string {
  const { query } = view;
  const boxes = FILTER_NAMES.map((name) => {
    const id = `filter-${name}`;
    const checked = query.filters.includes(name) ? " checked" : "";
    return `<div class="check"><input type="checkbox" id="${id}" name="filter" value="${name}"${checked}><label for="${id}">${e(FILTER_LABELS[name])}</label></div>`;
  }).join("\n");
  const options = [`<option value="">All repositories</option>`]
    .concat(
      view.repositories.map(
        (r) =>
          `<option value="${r.repositoryId}"${r.repositoryId === query.repositoryId ? " selected" : ""}>${e(r.fullName)}</option>`,
      ),
    )
    .join("");
  return `<form class="filters" method="get" action="/dashboard">
<fieldset><legend>Show only models that are</legend>
${boxes}
</fieldset>
<div class="fields">
<div><label for="days">Expiring within (days)</label><input id="days" name="days" type="number" min="0" max="3650" value="${query.days}"></div>
<div><label for="environment">Production environment</label><input id="environment" name="environment" type="text" value="${e(query.environment)}"></div>
<div><label for="repository">Repository</label><select id="repository" name="repository">${options}</select></div>
</div>
<div class="actions"><button type="submit">Apply filters</button> <a href="/dashboard">Clear filters</a></div>
</form>`;
}

function hiddenQuery(query: ModelsQuery): string {
  const fields = query.filters.map((f) => `<input type="hidden" name="filter" value="${f}">`);
  fields.push(`<input type="hidden" name="days" value="${query.days}">`);
  fields.push(`<input type="hidden" name="environment" value="${e(query.environment)}">`);
  if (query.repositoryId !== undefined)
    fields.push(`<input type="hidden" name="repository" value="${query.repositoryId}">`);
  return fields.join("");
}

function pagination(query: ModelsQuery, current: number, pages: number): string {
  if (pages <= 1) return "";
  const previous =
    current > 1 ? `<a href="/dashboard${modelsQueryString(query, current - 1)}" rel="prev">Previous page</a>` : "";
  const next =
    current < pages ? `<a href="/dashboard${modelsQueryString(query, current + 1)}" rel="next">Next page</a>` : "";
  return `<nav class="pages" aria-label="Pages">${previous} <span>Page ${current} of ${pages}</span> ${next}</nav>`;
}

function count(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  const plural = noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`;
  return `${n.toLocaleString("en")} ${plural}`;
}

/** One model's versions, newest first, each with its evidence and links. */
export function timelinePage(viewer: Viewer, timeline: ModelTimeline, now: Date): string {
  const current = timeline.current;
  const head = current
    ? `<p class="lead">${e(timeline.fullName)} · <code>${e(current.manifestPath)}</code> · now at version <strong>${e(current.version)}</strong> ${standingBadges(current, now)}</p>`
    : `<p class="lead">${e(timeline.fullName)} · no longer declared at the default branch</p>`;
  const versions = timeline.versions.map((v) => versionSection(v, current?.digest === v.digest)).join("\n");
  return page({
    title: `${timeline.model} · ${timeline.fullName}`,
    viewer,
    section: "models",
    body: `<p class="crumbs"><a href="/dashboard?repository=${timeline.repositoryId}">Models of ${e(timeline.fullName)}</a></p>
<h1>${e(timeline.model)}</h1>
${head}
<h2>Versions</h2>
<ol class="timeline">
${versions || `<li class="empty">No version recorded.</li>`}
</ol>`,
  });
}

function versionSection(v: VersionStanding, isCurrent: boolean): string {
  const evaluation = v.evaluation
    ? `${v.evaluation.result === "pass" ? badge("good", "passed") : badge("bad", "failed")} on ${e(v.evaluation.date)}${
        v.evaluation.expiresAt ? `, expires ${e(dateOnly(v.evaluation.expiresAt))}` : ", expiry unreadable"
      }`
    : badge("bad", "no evaluation of this digest");
  const signOffs =
    v.signOffs.length > 0
      ? v.signOffs.map((s) => `${e(s.role)}: ${e(s.login)} (${e(dateOnly(s.at))})`).join("; ")
      : `<span class="muted">none</span>`;
  const awaiting = v.awaitingRoles.length > 0 ? ` · ${badge("warn", `awaiting ${v.awaitingRoles.join(", ")}`)}` : "";
  const pr = v.pullRequest
    ? `${link(v.pullRequest.url, v.pullRequest.number !== null ? `pull request #${v.pullRequest.number}` : "pull request check")}: ${conclusion(v.pullRequest.conclusion)}`
    : `<span class="muted">no pull request decision recorded</span>`;
  const releases =
    v.releases.length > 0
      ? v.releases.map((r) => `${link(r.url, r.tag)}: ${conclusion(r.conclusion)}`).join("; ")
      : `<span class="muted">not released</span>`;
  const deployments =
    v.deployments.length > 0
      ? v.deployments
          .map((d) => `${link(d.url, d.environment)}: ${deploymentAnswer(d.answer)} (${e(dateOnly(d.decidedAt))})`)
          .join("; ")
      : `<span class="muted">not deployed</span>`;
  const eol = v.endOfLife
    ? `<div><dt>End of life</dt><dd>${link(v.endOfLife.url, "end-of-life issue")}: ${e(v.endOfLife.state)}, ${v.endOfLife.itemsDone} of ${v.endOfLife.itemsTotal} items done</dd></div>`
    : "";
  const seen =
    v.firstSeenAt !== null
      ? `at the default branch ${e(dateOnly(v.firstSeenAt))}${v.lastSeenAt && !isCurrent ? ` – ${e(dateOnly(v.lastSeenAt))}` : ""}`
      : "only in a gate decision";
  return `<li${isCurrent ? ' class="current"' : ""}>
<h3>Version ${e(v.version)}${isCurrent ? " " + badge("info", "current") : ""}</h3>
<p class="muted"><code>${e(v.digest)}</code> · ${seen}</p>
<dl>
<div><dt>Evaluation</dt><dd>${evaluation}</dd></div>
<div><dt>Sign-offs</dt><dd>${signOffs}${awaiting}</dd></div>
<div><dt>Pull request gate</dt><dd>${pr}</dd></div>
<div><dt>Releases</dt><dd>${releases}</dd></div>
<div><dt>Deployments</dt><dd>${deployments}</dd></div>
${eol}
</dl>
</li>`;
}

function conclusion(value: string): string {
  if (value === "success") return badge("good", "passed");
  if (value === "failure") return badge("bad", "failed");
  if (value === "action_required") return badge("warn", "action required");
  return badge("muted", value);
}

function deploymentAnswer(answer: string): string {
  if (answer === "approved") return badge("good", "approved");
  if (answer === "rejected") return badge("bad", "rejected");
  return badge("warn", answer);
}

export interface RepositoryRow {
  repository: InventoryRepository;
  models: number;
  unmanaged: number;
  findings: number;
}

/** The repositories the user can read, with the audit pack's export for a chosen set. */
export function repositoriesPage(viewer: Viewer, rows: ReadonlyArray<RepositoryRow>): string {
  const body = rows
    .map((row) => {
      const r = row.repository;
      const id = `repo-${r.repositoryId}`;
      const policy = policyBadge(r);
      return `<tr>
<td><input type="checkbox" id="${id}" name="repository" value="${r.repositoryId}"><label for="${id}">${e(r.fullName)}</label>${r.private ? " " + badge("muted", "private") : ""}</td>
<td>${policy}</td>
<td><a href="/dashboard?repository=${r.repositoryId}">${count(row.models, "model")}</a></td>
<td>${row.unmanaged > 0 ? `<a href="/dashboard/unmanaged#repository-${r.repositoryId}">${count(row.unmanaged, "file")}</a>` : "—"}</td>
<td>${row.findings > 0 ? badge("warn", count(row.findings, "finding")) : badge("good", "no findings")}</td>
<td>${e(r.sweptAt.slice(0, 16).replace("T", " "))}</td>
</tr>`;
    })
    .join("\n");
  return page({
    title: "Repositories",
    viewer,
    section: "repositories",
    body: `<h1>Repositories</h1>
<p class="lead">${count(rows.length, "repository")} of the App's installations that you can read. Choose some to export their audit pack.</p>
<form method="post" action="/dashboard/export/audit.json">${csrfField(viewer)}
<table class="repositories">
<caption>Repositories</caption>
<thead><tr><th scope="col">Repository</th><th scope="col">Policy</th><th scope="col">Models</th><th scope="col">Unmanaged</th><th scope="col">Findings</th><th scope="col">Last read (UTC)</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<p><button type="submit">Export the audit pack (JSON) of the chosen repositories</button></p>
</form>
<form class="export" method="post" action="/dashboard/export/audit.json">${csrfField(viewer)}<input type="hidden" name="all" value="1"><button type="submit">Export the audit pack (JSON) of all ${count(rows.length, "repository")}</button></form>`,
  });
}

/** Model files no manifest declares, by repository. */
export function unmanagedPage(
  viewer: Viewer,
  repositories: ReadonlyArray<Pick<InventoryRepository, "repositoryId" | "fullName" | "hasPolicy">>,
  files: ReadonlyArray<UnmanagedFile>,
): string {
  const byRepository = new Map<number, UnmanagedFile[]>();
  for (const file of files) byRepository.set(file.repositoryId, [...(byRepository.get(file.repositoryId) ?? []), file]);
  const sections = repositories
    .filter((r) => byRepository.has(r.repositoryId))
    .map((r) => {
      const list = byRepository.get(r.repositoryId)!;
      return `<section id="repository-${r.repositoryId}" aria-labelledby="heading-${r.repositoryId}">
<h2 id="heading-${r.repositoryId}">${e(r.fullName)} <span class="muted">${count(list.length, "file")}${r.hasPolicy ? "" : ", no modelgate policy"}</span></h2>
<table class="unmanaged">
<thead><tr><th scope="col">Path</th><th scope="col">Kind</th><th scope="col">Why it is a model file</th></tr></thead>
<tbody>
${list.map((f) => `<tr><td><code>${e(f.path)}</code></td><td>${e(f.kind)}</td><td>${e(f.reason)}</td></tr>`).join("\n")}
</tbody>
</table>
</section>`;
    })
    .join("\n");
  return page({
    title: "Unmanaged files",
    viewer,
    section: "unmanaged",
    body: `<h1>Unmanaged model files</h1>
<p class="lead">${count(files.length, "model file")} that no manifest declares (shadow AI), found at the default branches of the repositories you can read — also where modelgate has no policy.</p>
${sections || `<p class="empty">No unmanaged model file in the repositories you can read.</p>`}`,
  });
}

const COVERAGE_BADGE = { evidenced: "good", partly: "warn", organisational: "muted" } as const;

function policyBadge(repository: InventoryRepository): string {
  if (repository.policyProblem) return badge("bad", "policy does not load");
  return repository.hasPolicy ? badge("good", "policy") : badge("muted", "no policy");
}

/** The provisions of EN 304 223 across the repositories the user can read. */
export function provisionsPage(
  viewer: Viewer,
  rows: ReadonlyArray<OrganisationProvisionRow>,
  repositories: number,
): string {
  const clauses = PROVISION_CLAUSES.map((clause) => {
    const own = rows.filter((r) => r.clause === clause.clause);
    if (own.length === 0) return "";
    const body = own
      .map((r) => {
        let gaps = `<span class="muted">—</span>`;
        if (r.coverage !== "organisational")
          gaps =
            r.withGaps.length === 0
              ? badge("good", "none")
              : r.withGaps
                  .slice(0, 5)
                  .map((g) => `<a href="/dashboard?repository=${g.repositoryId}">${e(g.fullName)}</a>`)
                  .join(", ") + (r.withGaps.length > 5 ? ` and ${r.withGaps.length - 5} more` : "");
        return `<tr><th scope="row">${e(r.id)}</th><td>${e(r.title)}</td><td>${badge(COVERAGE_BADGE[r.coverage], r.coverage)}</td><td>${e(r.modelgate ?? r.outside ?? "")}</td><td>${r.coverage === "organisational" ? "—" : `${r.gated}`}</td><td>${gaps}</td></tr>`;
      })
      .join("\n");
    return `<tbody><tr class="clause"><th scope="rowgroup" colspan="6">${e(clause.clause)} ${e(clause.title)} <span class="muted">(${e(clause.phase)})</span></th></tr>
${body}</tbody>`;
  }).join("\n");
  return page({
    title: "Provisions",
    viewer,
    section: "provisions",
    body: `<h1>Provisions of EN 304 223</h1>
<p class="lead">What modelgate evidences for each provision across the ${count(repositories, "repository")} you can read, and where evidence is missing.</p>
<table class="provisions">
<caption>Provisions, by clause</caption>
<thead><tr><th scope="col">Provision</th><th scope="col">Title</th><th scope="col">Coverage</th><th scope="col">What modelgate checks</th><th scope="col">Gated repositories</th><th scope="col">Gaps in</th></tr></thead>
${clauses}
</table>`,
  });
}
