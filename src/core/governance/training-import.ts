import {
  TRAINING_ROSTER_PATH,
  trainingRecordSchema,
  type TrainingRecord,
  type TrainingRoster,
} from "./training-schema.js";

/**
 * RFC 4180 CSV as learning systems export it: a byte-order mark, CRLF or LF line ends, quoted fields holding commas,
 * line breaks and doubled quotes. Returns the rows (blank lines skipped) or the first malformed place.
 */
export function parseCsv(text: string): { rows: string[][] } | { error: string } {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
    field = "";
  };
  while (i < source.length) {
    const char = source[i]!;
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') {
        quoted = false;
        i += 1;
        const next = source[i];
        if (next !== undefined && next !== "," && next !== "\r" && next !== "\n")
          return { error: `line ${line}: a quoted field must end at a comma or the end of the line` };
        continue;
      }
      if (char === "\n") line += 1;
      field += char;
      i += 1;
      continue;
    }
    if (char === '"' && field === "") {
      quoted = true;
      i += 1;
    } else if (char === ",") {
      row.push(field);
      field = "";
      i += 1;
    } else if (char === "\r" || char === "\n") {
      endRow();
      i += char === "\r" && source[i + 1] === "\n" ? 2 : 1;
      line += 1;
    } else {
      field += char;
      i += 1;
    }
  }
  if (quoted) return { error: `line ${line}: a quoted field is not closed` };
  if (field !== "" || row.length > 0) endRow();
  return { rows };
}

/** The header names the importer understands (docs/cli.md "training import"), compared without case or spaces. */
export const IMPORT_COLUMNS = {
  login: ["login", "github_login", "github", "github_username"],
  email: ["email", "e-mail", "mail", "user_email"],
  course: ["course", "course_id", "course_code"],
  completed: ["completed", "completion_date", "completed_at", "completed_on", "date_completed"],
  evidence: ["evidence", "sha256", "certificate_sha256"],
} as const;

export interface ImportResult {
  /** Records from the export, in its order; those the roster already holds are left out. */
  added: TrainingRecord[];
  /** Rows already on the roster (same person, course and date). */
  known: number;
  /** One sentence per row that could not be used: row number (1 is the header) and why. */
  errors: string[];
}

/**
 * Turns an LMS export into roster records: a login column, or an email column mapped through `emails` (email → login,
 * compared without case); the course id; the completion date (YYYY-MM-DD, or an ISO timestamp whose date part is
 * taken). A row whose course the roster does not list, or whose person cannot be named, is an error: nothing is guessed.
 */
export function importRecords(
  rows: ReadonlyArray<ReadonlyArray<string>>,
  roster: TrainingRoster,
  emails: ReadonlyMap<string, string> = new Map(),
): ImportResult {
  const [header, ...body] = rows;
  if (!header) return { added: [], known: 0, errors: ["the export is empty"] };
  const names = header.map((name) => name.trim().toLowerCase().replace(/\s+/g, "_"));
  const column = (candidates: ReadonlyArray<string>) => names.findIndex((name) => candidates.includes(name));
  const at = {
    login: column(IMPORT_COLUMNS.login),
    email: column(IMPORT_COLUMNS.email),
    course: column(IMPORT_COLUMNS.course),
    completed: column(IMPORT_COLUMNS.completed),
    evidence: column(IMPORT_COLUMNS.evidence),
  };
  const missing = [
    at.login < 0 && at.email < 0 ? "login (or email)" : "",
    at.course < 0 ? "course" : "",
    at.completed < 0 ? "completed" : "",
  ].filter(Boolean);
  if (missing.length > 0)
    return { added: [], known: 0, errors: [`the header has no column for ${missing.join(", ")}`] };

  const result: ImportResult = { added: [], known: 0, errors: [] };
  const seen = new Set(roster.records.map(recordKey));
  for (const [index, row] of body.entries()) {
    const rowNumber = index + 2;
    const cell = (i: number) => (i >= 0 ? (row[i] ?? "").trim() : "");
    let login = cell(at.login);
    if (login === "" && at.email >= 0) {
      const email = cell(at.email).toLowerCase();
      login = emails.get(email) ?? "";
      if (login === "") {
        result.errors.push(`row ${rowNumber}: no login for ${email || "an empty email"} (add it to the --logins file)`);
        continue;
      }
    }
    const course = cell(at.course);
    const completed = cell(at.completed).replace(/^(\d{4}-\d{2}-\d{2})T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?$/, "$1");
    const evidence = cell(at.evidence).toLowerCase();
    if (!roster.courses.some((c) => c.id === course)) {
      result.errors.push(`row ${rowNumber}: course "${course}" is not listed under courses in ${TRAINING_ROSTER_PATH}`);
      continue;
    }
    // every field is checked before anything is written: a cell cannot smuggle YAML into the roster
    const checked = trainingRecordSchema.safeParse({
      login,
      course,
      completed,
      ...(evidence !== "" ? { evidence } : {}),
    });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      result.errors.push(`row ${rowNumber}: ${issue?.path.join(".") ?? "record"}: ${issue?.message ?? "invalid"}`);
      continue;
    }
    const record = checked.data;
    if (seen.has(recordKey(record))) {
      result.known += 1;
      continue;
    }
    seen.add(recordKey(record));
    result.added.push(record);
  }
  return result;
}

function recordKey(record: TrainingRecord): string {
  return `${record.login.toLowerCase()}\n${record.course}\n${record.completed}`;
}

/** The roster as YAML (comments of the old file are not kept): courses, then records in their order. */
export function renderRoster(roster: TrainingRoster): string {
  const lines = ["courses:"];
  for (const course of roster.courses) {
    lines.push(`  - id: ${course.id}`);
    if (course.title !== undefined) lines.push(`    title: ${JSON.stringify(course.title)}`);
    lines.push(`    roles: [${course.roles.join(", ")}]`, `    validity_days: ${course.validity_days}`);
  }
  if (roster.records.length === 0) lines.push("records: []");
  else lines.push("records:");
  for (const record of roster.records) {
    lines.push(`  - login: ${record.login}`, `    course: ${record.course}`, `    completed: ${record.completed}`);
    if (record.evidence !== undefined) lines.push(`    evidence: ${record.evidence}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Reads the email → login file (`email,login` rows, a header optional). */
export function emailLogins(rows: ReadonlyArray<ReadonlyArray<string>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const row of rows) {
    const [email, login] = row.map((cell) => cell.trim());
    if (email && login && email.includes("@")) map.set(email.toLowerCase(), login);
  }
  return map;
}
