/**
 * The models view's filters as a query string (the dashboard's links and form, and the API): read strictly, so a
 * wrong parameter is an error the user sees, never a silently wider or narrower list (docs/dashboard.md, "Filters").
 */
import type { ModelFilter } from "../inventory/types.js";

export const FILTER_NAMES = [
  "not-evaluated",
  "expiring",
  "awaiting-sign-off",
  "failing",
  "in-production",
  "disposal-open",
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export const FILTER_LABELS: Record<FilterName, string> = {
  "not-evaluated": "Not evaluated",
  expiring: "Evaluation expiring",
  "awaiting-sign-off": "Awaiting sign-off",
  failing: "Failing",
  "in-production": "In production",
  "disposal-open": "Decommissioned, disposal open",
};

/** The default window of "evaluation expiring". */
export const DEFAULT_EXPIRING_DAYS = 30;
/** The default environment of "in production". */
export const DEFAULT_ENVIRONMENT = "production";
/** Rows per page of the models view (the API answers every row). */
export const PAGE_SIZE = 200;

export interface ModelsQuery {
  filters: FilterName[];
  /** Days ahead for "expiring". */
  days: number;
  /** Environment for "in production". */
  environment: string;
  /** Only this repository (one the user can read; others are refused as unknown). */
  repositoryId?: number;
  /** 1-based. */
  page: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const KNOWN_PARAMETERS = new Set(["filter", "days", "environment", "repository", "page"]);

/** Reads `?filter=a&filter=b&days=30&environment=production&repository=123&page=2`. */
export function parseModelsQuery(params: URLSearchParams): Parsed<ModelsQuery> {
  for (const name of params.keys())
    if (!KNOWN_PARAMETERS.has(name)) return { ok: false, error: `Unknown parameter "${name}".` };
  const filters: FilterName[] = [];
  for (const value of params.getAll("filter")) {
    if (!(FILTER_NAMES as readonly string[]).includes(value))
      return { ok: false, error: `Unknown filter "${value}": use one of ${FILTER_NAMES.join(", ")}.` };
    if (!filters.includes(value as FilterName)) filters.push(value as FilterName);
  }
  const days = wholeNumber(params.get("days"), DEFAULT_EXPIRING_DAYS, 0, 3650);
  if (days === undefined) return { ok: false, error: "days must be a whole number of days (0 to 3650)." };
  const page = wholeNumber(params.get("page"), 1, 1, 1_000_000);
  if (page === undefined) return { ok: false, error: "page must be a whole number from 1." };
  const environment = (params.get("environment") ?? "").trim() || DEFAULT_ENVIRONMENT;
  if (environment.length > 255) return { ok: false, error: "environment is too long." };
  const repository = params.get("repository");
  let repositoryId: number | undefined;
  if (repository !== null && repository !== "") {
    repositoryId = wholeNumber(repository, 0, 1, Number.MAX_SAFE_INTEGER);
    if (repositoryId === undefined) return { ok: false, error: "repository must be a repository id." };
  }
  return {
    ok: true,
    value: { filters, days, environment, page, ...(repositoryId !== undefined ? { repositoryId } : {}) },
  };
}

function wholeNumber(text: string | null, fallback: number, min: number, max: number): number | undefined {
  if (text === null || text.trim() === "") return fallback;
  if (!/^\d{1,16}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : undefined;
}

/** The inventory's filter for this query, over the repositories the user can read (never more). */
export function modelFilterOf(query: ModelsQuery, readable: ReadonlyArray<number>, now: Date): ModelFilter {
  const repositoryIds =
    query.repositoryId === undefined ? readable : readable.filter((id) => id === query.repositoryId);
  const filter: ModelFilter = { repositoryIds, now };
  for (const name of query.filters) {
    if (name === "not-evaluated") filter.notEvaluated = true;
    else if (name === "expiring") filter.evaluationExpiringWithinDays = query.days;
    else if (name === "awaiting-sign-off") filter.awaitingSignOff = true;
    else if (name === "failing") filter.failing = true;
    else if (name === "in-production") filter.inProduction = query.environment;
    else filter.decommissionedDisposalOpen = true;
  }
  return filter;
}

/** The query string of a query (links to other pages keep the filters). */
export function modelsQueryString(query: ModelsQuery, page = query.page): string {
  const params = new URLSearchParams();
  for (const name of query.filters) params.append("filter", name);
  if (query.filters.includes("expiring") && query.days !== DEFAULT_EXPIRING_DAYS)
    params.set("days", String(query.days));
  if (query.filters.includes("in-production") && query.environment !== DEFAULT_ENVIRONMENT)
    params.set("environment", query.environment);
  if (query.repositoryId !== undefined) params.set("repository", String(query.repositoryId));
  if (page > 1) params.set("page", String(page));
  const text = params.toString();
  return text ? `?${text}` : "";
}
