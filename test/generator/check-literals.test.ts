// Values as written: units, numbers, string settings and topic names that Kafka or JavaScript would not take as
// meant are reported at the literal, each with its own code, and the rest of the file is still checked.
import { describe, expect, it } from "vitest";
import { checkFiles } from "../../generator/program.js";
import type { Problem } from "../../generator/catalogue.js";
import {
  internalTopicProblem,
  metricNameCollisions,
  numberProblem,
  stringSettingProblem,
} from "../../generator/check-literals.js";
import { diagnostic, startOfFile, type Diagnostic } from "../../generator/diagnostics.js";
import { parse } from "../../generator/parse.js";
import { settingsByName } from "../../generator/settings.js";

const message = 'message M avro { "type": "record", "name": "M", "fields": [] }';

function diagnose(text: string): Diagnostic[] {
  const source = { file: "t.kef", absolutePath: "/virtual/t.kef", text: `${message}\n${text}` };
  const parsed = parse(source);
  expect(parsed.diagnostics).toEqual([]);
  return [
    ...checkFiles([{ ast: parsed.value, source }], { readFile: () => undefined, displayPath: (p) => p }).diagnostics,
  ];
}

/** The one diagnostic of a setting written in the shared block: code, message, hint, where. */
function settingDiagnostic(setting: string): string[] {
  const d = diagnose(`shared { groupId = "g" ${setting} }\ntopic "t" : M`);
  return d.map(
    (x) =>
      `${x.code} ${x.range.start.line}:${x.range.start.column}-${x.range.end.column} ${x.message} | ${x.hint ?? ""}`,
  );
}

const groupId = settingsByName.get("groupId")!;

/** The diagnostic a problem becomes when reported (its catalogue entry, filled). */
function made(p: Problem | undefined): Diagnostic | undefined {
  return p && diagnostic(p.entry, p.args, { file: "t.kef", range: startOfFile });
}

describe("units", () => {
  it.each([
    [
      "sessionTimeoutMs = 30parsecs",
      'KEF2030 2:43-52 unknown unit "parsecs" in 30parsecs | units for a duration: ms, s, min, h',
    ],
    [
      "sessionTimeoutMs = 30S",
      'KEF2030 2:43-46 unknown unit "S" in 30S | did you mean 30s? units for a duration: ms, s, min, h',
    ],
    [
      "sessionTimeoutMs = 30MS",
      'KEF2030 2:43-47 unknown unit "MS" in 30MS | did you mean 30ms? units for a duration: ms, s, min, h',
    ],
    [
      "sessionTimeoutMs = 2hours",
      'KEF2030 2:43-49 unknown unit "hours" in 2hours | did you mean 2h? units for a duration: ms, s, min, h',
    ],
    [
      "fetchMinBytes = 1kb",
      'KEF2030 2:40-43 unknown unit "kb" in 1kb | did you mean 1KB? units for a size: B, KB, MB, GB, KiB, MiB, GiB',
    ],
    [
      "fetchMinBytes = 1mib",
      'KEF2030 2:40-44 unknown unit "mib" in 1mib | did you mean 1MiB? units for a size: B, KB, MB, GB, KiB, MiB, GiB',
    ],
    [
      "maxBufferedMessages = 10k",
      'KEF2030 2:46-49 unknown unit "k" in 10k | "maxBufferedMessages" takes a plain number, without a unit',
    ],
    [
      "fetchMaxWaitMs = 30 s",
      "KEF2032 2:41-45 the unit of 30 s is apart from its number | a unit must touch its number: write 30s",
    ],
    [
      "fetchMaxWaitMs = 30 parsecs",
      'KEF2030 2:41-51 unknown unit "parsecs" in 30 parsecs | units for a duration: ms, s, min, h',
    ],
  ])("%s", (setting, expected) => {
    expect(settingDiagnostic(setting)).toEqual([expected]);
  });

  it("still reports the file's other problems", () => {
    const d = diagnose(
      'shared {\n  groupId = "g"\n  sessionTimeoutMs = 30parsecs\n  fetchMinBytes = 1kb\n}\ntopic "t" : M { consumer via nowhere }',
    );
    expect(d.map((x) => `${x.code} ${x.range.start.line}:${x.range.start.column}`)).toEqual([
      "KEF2030 4:22",
      "KEF2030 5:19",
      "KEF2002 7:30",
    ]);
  });

  it("takes the known units as before", () => {
    expect(settingDiagnostic("sessionTimeoutMs = 30s fetchMinBytes = 1KiB fetchMaxWaitMs = 1e2ms")).toEqual([]);
  });
});

describe("numbers", () => {
  it.each([
    [
      "maxBufferedMessages = 0x10",
      'KEF2031 2:46-50 "maxBufferedMessages" must be a plain decimal number, not 0x10 | hexadecimal numbers are not supported: write maxBufferedMessages = 16',
    ],
    [
      "maxBufferedMessages = 0o17",
      'KEF2031 2:46-50 "maxBufferedMessages" must be a plain decimal number, not 0o17 | octal numbers are not supported: write maxBufferedMessages = 15',
    ],
    [
      "maxBufferedMessages = 0xZZ",
      'KEF2031 2:46-50 "maxBufferedMessages" must be a plain decimal number, not 0xZZ | hexadecimal numbers are not supported',
    ],
    [
      "maxBufferedMessages = 007",
      'KEF2031 2:46-49 "maxBufferedMessages" must be a plain decimal number, not 007 | leading zeros are not supported: write maxBufferedMessages = 7',
    ],
    [
      "sessionTimeoutMs = 030s",
      'KEF2031 2:43-47 "sessionTimeoutMs" must be a plain decimal number, not 030s | leading zeros are not supported: write sessionTimeoutMs = 30s',
    ],
    [
      "maxBufferedMessages = 1_000",
      'KEF2031 2:46-51 "maxBufferedMessages" must be a plain decimal number, not 1_000 | digit separators are not supported: write maxBufferedMessages = 1000',
    ],
    [
      "fetchMaxWaitMs = 1e-400",
      "KEF2033 2:41-47 1e-400 is too small to be represented: it would be read as 0 | write 0 if you mean zero",
    ],
    [
      "fetchMaxWaitMs = 1e400",
      "KEF2033 2:41-46 1e400 is too large to be represented | numbers must stay below 1.7976931348623157e308",
    ],
    ["fetchMaxWaitMs = -0", "KEF2033 2:41-43 -0 is negative zero | write 0"],
    ["fetchMaxWaitMs = -0.0s", "KEF2033 2:41-46 -0.0s is negative zero | write 0.0s"],
  ])("%s", (setting, expected) => {
    expect(settingDiagnostic(setting)).toEqual([expected]);
  });

  it("lets zero, tiny exponents of zero and large finite numbers through to the range check", () => {
    expect(numberProblem("0", 0)).toBeUndefined();
    expect(numberProblem("0.0e-400", 0)).toBeUndefined();
    expect(numberProblem("1e308", 1e308)).toBeUndefined();
    expect(made(numberProblem("-1e-400", -0))?.message).toBe(
      "-1e-400 is too small to be represented: it would be read as 0",
    );
    expect(made(numberProblem("-1e400", -Infinity))?.code).toBe("KEF2033");
  });
});

describe("string settings", () => {
  it.each([
    [" ", '"groupId" cannot be blank'],
    ["\t\n", '"groupId" cannot be blank'],
    [" shop", '"groupId" has whitespace at its start'],
    ["shop ", '"groupId" has whitespace at its end'],
    ["sh\u0007op", '"groupId" contains the invisible character U+0007'],
    ["sh\u200bop", '"groupId" contains the invisible character U+200B'],
    ["sh\u202eop", '"groupId" contains the invisible character U+202E'],
    ["sh\u2066op", '"groupId" contains the invisible character U+2066'],
  ])("refuses %j", (value, expected) => {
    expect(made(stringSettingProblem(groupId, value))).toMatchObject({ code: "KEF2034", message: expected });
  });

  it("takes ordinary group ids, including non-ASCII letters and inner spaces", () => {
    for (const value of ["shop", "shop.orders-v2_eu", "café", "my group"])
      expect(stringSettingProblem(groupId, value)).toBeUndefined();
  });

  it("reports it at the string, in every string setting", () => {
    expect(settingDiagnostic('groupInstanceId = " "')).toEqual([
      'KEF2034 2:42-45 "groupInstanceId" cannot be blank | write a name, e.g. groupInstanceId = "my-service"',
    ]);
    const d = diagnose('shared { groupId = " " }\ntopic "t" : M');
    expect(d.map((x) => `${x.code} ${x.range.start.line}:${x.range.start.column}`)).toEqual(["KEF2034 2:20"]);
  });
});

describe("topic names", () => {
  it.each([
    "__consumer_offsets",
    "__transaction_state",
    "__share_group_state",
    "__cluster_metadata",
    "__remote_log_metadata",
    "__anything",
  ])("refuses %s", (name) => {
    expect(made(internalTopicProblem(name))?.code).toBe("KEF2035");
  });

  it("takes names with one leading underscore or inner double underscores", () => {
    for (const name of ["_orders", "orders__eu", "orders_"]) expect(internalTopicProblem(name)).toBeUndefined();
  });

  it("reports an internal topic at its name, as an error", () => {
    const d = diagnose('shared { groupId = "g" }\ntopic "__consumer_offsets" as offsets : M');
    expect(d.map((x) => `${x.severity} ${x.code} ${x.range.start.line}:${x.range.start.column}`)).toEqual([
      "error KEF2035 3:7",
    ]);
  });

  it("finds every later topic whose name equals an earlier one with '.' read as '_'", () => {
    const at = (name: string, line: number) => ({
      name,
      file: "t.kef",
      range: { start: { line, column: 1, offset: line }, end: { line, column: 2, offset: line + 1 } },
    });
    const found = metricNameCollisions([
      at("a.b", 1),
      at("a-b", 2),
      at("a_b", 3),
      at("a.b", 4),
      at("x_y", 5),
      at("x.y", 6),
    ]);
    expect(found.map((c) => `${c.topic.name}→${c.first.name}`)).toEqual(["a_b→a.b", "x.y→x_y"]);
  });

  it("warns about colliding topics at the later one, pointing at the first", () => {
    const d = diagnose('shared { groupId = "g" }\ntopic "a.b" as first : M\ntopic "a_b" as second : M');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      code: "KEF2036",
      severity: "warning",
      range: { start: { line: 4, column: 7 } },
      related: [{ message: 'topic "a.b" is here', range: { start: { line: 3, column: 7 } } }],
    });
  });
});
