import { createHash } from "node:crypto";

/**
 * Stable anchors of the report, so that a finding can be cited (`report.html#version-…`): built
 * from names, versions and commits only, never from positions. A name with characters outside
 * [A-Za-z0-9._-] gets a short hash, so two names never share an anchor.
 */
export function anchor(prefix: string, ...parts: string[]): string {
  return `${prefix}-${parts.map(slug).join("-")}`;
}

function slug(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === text ? text : `${safe}~${createHash("sha256").update(text).digest("hex").slice(0, 8)}`;
}

export const modelAnchor = (name: string): string => anchor("model", name);
export const versionAnchor = (name: string, version: string, commit: string): string =>
  anchor("version", name, version, commit.slice(0, 12));
export const provisionAnchor = (id: string): string => anchor("provision", id);
