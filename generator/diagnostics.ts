// The one catalogue of kefgen diagnostics, and how they are printed.
// Codes are stable and banded by stage: KEF1xxx syntax, KEF2xxx semantics, KEF3xxx Avro, KEF4xxx output/IO.
import type { Position, Range } from "../grammar/ast.js";
import { splitLines } from "../grammar/lines.js";

export type Severity = "error" | "warning";

export const catalogue = {
  KEF1001: "unexpected character",
  KEF1002: "syntax error",
  KEF1003: "unterminated string",
  KEF1004: "unterminated block comment",
  KEF1005: "nesting too deep",
  KEF2001: "unknown message type",
  KEF2002: "unknown connection",
  KEF2003: "duplicate message",
  KEF2004: "duplicate topic",
  KEF2005: "duplicate connection",
  KEF2006: "unknown setting",
  KEF2007: "wrong value type",
  KEF2008: "setting not allowed here",
  KEF2009: "setting not supported by the connection's Kafka client",
  KEF2010: "duplicate setting",
  KEF2011: "value out of range",
  KEF2012: "missing group id",
  KEF2013: "group id used by two connections",
  KEF2014: "duplicate shared block",
  KEF2015: "handler name collision",
  KEF2016: "unused connection",
  KEF2017: "invalid name",
  KEF2018: "at-most-once delivery",
  KEF2019: "heartbeat interval close to the session timeout",
  KEF2020: "session timeout outside the broker's default bounds",
  KEF2021: "generated name collision",
  KEF2022: "reserved handler name",
  KEF2030: "unknown unit",
  KEF2031: "number not written in plain decimal",
  KEF2032: "unit apart from its number",
  KEF2033: "number that cannot be represented",
  KEF2034: "blank or invisible characters in a string setting",
  KEF2035: "Kafka-internal topic",
  KEF2036: "topic names that collide in Kafka's metric names",
  KEF2050: "unknown registry",
  KEF2051: "framed topic without a registry",
  KEF2052: "registry not chosen",
  KEF2053: "duplicate registry",
  KEF2054: "secret written in the .kef",
  KEF2055: "invalid registry setting",
  KEF2056: "registry setting without effect",
  KEF2057: "unused registry",
  KEF2070: "unknown topic clause",
  KEF2071: "duplicate topic clause",
  KEF2072: "key type shadows a message",
  KEF2080: "plan: rebalance timeout below the session timeout",
  KEF2081: "plan: rebalance timeout below the retry backoff",
  KEF2082: "plan: waiting for topics while reading from the latest offset",
  KEF2083: "plan: one group waits for topics of several",
  KEF2100: "a record that always fails stalls its partition",
  KEF2101: "decode errors skipped: poison records are lost",
  KEF2102: "onDecodeError = deadLetter without a dead-letter topic",
  KEF2103: "retry backoff above its maximum",
  KEF2104: "invalid dead-letter topic",
  KEF2140: "unknown topic config",
  KEF2141: "invalid topic config value",
  KEF2142: "not something a topic's { } says",
  KEF2143: "invalid partition count or replication factor",
  KEF2144: "said twice in a topic's { }",
  KEF3001: "invalid Avro schema",
  KEF3002: "schema file not found",
  KEF3003: "schema file is not valid JSON",
  KEF3004: "Avro name that would lose data",
  KEF3005: "type not found in schema file",
  KEF3006: "logical type ignored",
  KEF3007: "Avro schema too large",
  KEF3010: "writer schema the message cannot read",
  KEF3011: "writer schema not self-contained",
  KEF2090: "writers on a topic that is not single-object",
  KEF3015: "field added without a default (breaks BACKWARD)",
  KEF3016: "field removed that old readers need (breaks FORWARD)",
  KEF3017: "type changed incompatibly",
  KEF3018: "named type renamed without an alias",
  KEF3019: "fixed size changed",
  KEF3020: "enum symbol removed (breaks BACKWARD)",
  KEF3021: "enum symbol added without an enum default (breaks FORWARD)",
  KEF3022: "union branch removed (breaks BACKWARD)",
  KEF3023: "union branch added (breaks FORWARD)",
  KEF3037: "message type removed",
  KEF3038: "bare-Avro topic's schema changed",
  KEF3039: "namespace changed without an alias",
  KEF4001: "cannot read input",
  KEF4002: "cannot write output",
  KEF4003: "invalid project config",
  KEF4004: "file outside the project root",
  KEF4005: "not a regular file",
  KEF4006: "file too large",
  KEF4010: "would overwrite a file kefgen did not generate",
  KEF4011: "output left by an interrupted build",
  KEF4012: "another kefgen process is writing the output",
  KEF4020: "not in a git repository",
  KEF4021: "git ref not found",
  KEF4022: "old version cannot be checked",
  KEF4023: "git failed",
  KEF4030: "schema incompatible with the registry's latest version",
  KEF4031: "subject not registered",
  KEF4032: "registry unreachable",
  KEF4033: "registry refused the credentials",
  KEF4034: "registry answered with an error",
  KEF4035: "registry environment variable not set",
} as const;

export type DiagnosticCode = keyof typeof catalogue;

/** Another place that explains a diagnostic, e.g. the first declaration of a duplicate. */
export interface RelatedLocation {
  readonly message: string;
  readonly file: string;
  readonly range: Range;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** The file as shown to the user (relative to the working directory when possible). */
  readonly file: string;
  readonly range: Range;
  readonly hint?: string;
  readonly related?: readonly RelatedLocation[];
}

/** A stage's output: a value (possibly partial) and what was wrong with the input. */
export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

export const startOfFile: Range = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Sorts diagnostics by file, then position, then code: the order they are printed in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.range.start.offset - b.range.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------------
// Did you mean?

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The closest candidate to `word`, if one is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closest(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

// ---------------------------------------------------------------------------------------------
// Printing

export interface Styler {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
  bold(s: string): string;
}

export const plain: Styler = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, gray: (s) => s, bold: (s) => s };

function location(file: string, p: Position): string {
  return `${file}:${p.line}:${p.column}`;
}

/**
 * Prints one diagnostic the way tsc does:
 *
 *     shop.kef:12:5 - error KEF2002: unknown connection "critcal"
 *
 *     12 topic "alerts" : Alert { consumer via critcal }
 *                                              ^~~~~~~
 *       hint: did you mean "critical"?
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, style: Styler = plain): string {
  const colour = d.severity === "error" ? style.red : style.yellow;
  const out: string[] = [`${style.cyan(location(d.file, d.range.start))} - ${colour(d.severity)} ${style.gray(d.code)}: ${d.message}`];
  const text = sources.get(d.file);
  if (text !== undefined) out.push("", ...codeFrame(text, d.range, style, colour));
  if (d.hint) out.push(`  ${style.bold("hint")}: ${d.hint}`);
  for (const r of d.related ?? []) {
    out.push(`  ${style.cyan(location(r.file, r.range.start))}: ${r.message}`);
  }
  return out.join("\n");
}

function codeFrame(text: string, range: Range, style: Styler, colour: (s: string) => string): string[] {
  const lines = splitLines(text);
  const lineNumber = Math.min(range.start.line, lines.length);
  const line = (lines[lineNumber - 1] ?? "").replace(/\t/g, " ");
  const gutter = String(lineNumber);
  const startColumn = Math.min(range.start.column, line.length + 1);
  const sameLine = range.end.line === range.start.line;
  const endColumn = sameLine ? Math.max(range.end.column, startColumn + 1) : line.length + 1;
  const width = Math.max(1, Math.min(endColumn, line.length + 1) - startColumn);
  const marker = `^${"~".repeat(width - 1)}`;
  return [
    `${style.gray(gutter)} ${line}`.trimEnd(),
    `${" ".repeat(gutter.length)} ${" ".repeat(startColumn - 1)}${colour(marker)}`,
  ];
}

/** A one-line summary: "2 errors, 1 warning". */
export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}
