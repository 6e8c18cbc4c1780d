import { describe, expect, it } from "vitest";
import { emailLogins, importRecords, parseCsv, renderRoster } from "../../../src/core/governance/training-import.js";
import { loadTrainingRoster, type TrainingRoster } from "../../../src/core/governance/training-schema.js";
import { reminderPlan, reminderRef } from "../../../src/core/governance/training-reminder.js";
import { testPolicy } from "../../fixtures/manifests.js";

const roster: TrainingRoster = {
  courses: [{ id: "ai-security-basics", title: 'AI security: "basics"', roles: ["developer"], validity_days: 365 }],
  records: [{ login: "alice", course: "ai-security-basics", completed: "2026-03-01" }],
};

describe("parseCsv", () => {
  const cases: Array<[string, string, string[][] | string]> = [
    [
      "plain rows",
      "a,b\n1,2\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "CRLF and a byte-order mark",
      "\uFEFFa,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "no final line end",
      "a,b\n1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "quoted commas, quotes and line breaks",
      'a,b\n"x, ""y""","line\r\ntwo"\n',
      [
        ["a", "b"],
        ['x, "y"', "line\r\ntwo"],
      ],
    ],
    [
      "empty fields and blank lines",
      "a,b,c\n\n,,\n",
      [
        ["a", "b", "c"],
        ["", "", ""],
      ],
    ],
    ["an unclosed quote", 'a\n"open\n', "line 3: a quoted field is not closed"],
    ["text after a closing quote", 'a\n"x"y\n', "line 2: a quoted field must end at a comma or the end of the line"],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(parseCsv(text)).toEqual(typeof expected === "string" ? { error: expected } : { rows: expected });
  });
});

describe("importRecords", () => {
  it("maps emails to logins, takes the date of a timestamp, and skips what the roster holds (logins without case)", () => {
    const result = importRecords(
      [
        ["E-Mail", "Course", "Completed At", "SHA256"],
        ["Bob@Acme.example", "ai-security-basics", "2026-11-02T09:15:00+01:00", "A".repeat(64)],
        ["", "ai-security-basics", "2026-11-03", ""],
        ["ALICE@acme.example", "ai-security-basics", "2026-03-01", ""],
      ],
      roster,
      emailLogins([
        ["bob@acme.example", "bob"],
        ["alice@acme.example", "Alice"],
      ]),
    );
    expect(result).toEqual({
      added: [{ login: "bob", course: "ai-security-basics", completed: "2026-11-02", evidence: "a".repeat(64) }],
      known: 1,
      errors: ["row 3: no login for an empty email (add it to the --logins file)"],
    });
  });

  it("refuses dates it would have to guess", () => {
    const result = importRecords(
      [
        ["login", "course", "completed"],
        ["bob", "ai-security-basics", "02/11/2026"],
      ],
      roster,
    );
    expect(result.errors).toEqual(["row 2: completed: a date is written YYYY-MM-DD"]);
  });

  it("writes a roster the schema reads back as it was", () => {
    const text = renderRoster({
      ...roster,
      records: [
        ...roster.records,
        { login: "bob", course: "ai-security-basics", completed: "2026-11-02", evidence: "b".repeat(64) },
      ],
    });
    const loaded = loadTrainingRoster("governance/training.yaml", text);
    expect(loaded.ok && loaded.roster).toEqual({
      ...roster,
      records: [
        ...roster.records,
        { login: "bob", course: "ai-security-basics", completed: "2026-11-02", evidence: "b".repeat(64) },
      ],
    });
  });
});

describe("reminderPlan", () => {
  const due: TrainingRoster = {
    courses: roster.courses,
    records: [{ login: "Alice", course: "ai-security-basics", completed: "2025-12-20" }],
  };
  const now = new Date("2026-11-28T12:00:00Z");
  const ref = reminderRef("acme/models", { login: "Alice", course: "ai-security-basics", expires: "2026-12-20" });

  it("opens a reminder once: an issue of the record, open or closed, is never opened again", () => {
    expect(reminderPlan(due, testPolicy(), now, []).open.map((d) => d.login)).toEqual(["Alice"]);
    expect(reminderPlan(due, testPolicy(), now, [{ ref, state: "open" }])).toEqual({ open: [], close: [] });
    expect(reminderPlan(due, testPolicy(), now, [{ ref, state: "closed" }])).toEqual({ open: [], close: [] });
  });

  it("closes it when the record is renewed or removed", () => {
    const renewed = {
      ...due,
      records: [...due.records, { login: "alice", course: "ai-security-basics", completed: "2026-11-27" }],
    };
    expect(reminderPlan(renewed, testPolicy(), now, [{ ref, state: "open" }]).close).toEqual([
      { ref, closing: { kind: "renewed", expires: "2027-11-27" } },
    ]);
    expect(reminderPlan({ ...due, records: [] }, testPolicy(), now, [{ ref, state: "open" }]).close).toEqual([
      { ref, closing: { kind: "gone" } },
    ]);
  });
});
