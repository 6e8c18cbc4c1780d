import type { z } from "zod";
import type { FileError, YamlPath } from "./load-yaml.js";

/** Turns zod issues into errors that name the file, the line and the field to fix. */
export function zodIssuesToFileErrors(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  path: string,
  lineOf: (p: YamlPath) => number,
): FileError[] {
  return issues.flatMap((issue) => {
    const fieldPath = issue.path.filter((key): key is string | number => typeof key !== "symbol");
    const field = fieldPath.length > 0 ? `${formatFieldPath(fieldPath)}: ` : "";
    // zod reports unknown keys at their parent object: point at each key's own line instead
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path,
        line: lineOf([...fieldPath, key]),
        message: `${field}unknown key "${key}"`,
      }));
    }
    // a record key that fails its schema: say why, not only "Invalid key in record"
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [{ path, line: lineOf(fieldPath), message: `${field}${message}` }];
  });
}

export function formatFieldPath(fieldPath: YamlPath): string {
  return fieldPath.map((key, i) => fieldPathSegment(key, i === 0)).join("");
}

function fieldPathSegment(key: YamlPath[number], first: boolean): string {
  if (typeof key === "number") return `[${key}]`;
  return first ? key : `.${key}`;
}
