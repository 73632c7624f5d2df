// The shape of a kefgen diagnostic, how one is made from a catalogue entry (catalogue.ts), and how it is printed.
import type { Position, Range } from "../grammar/ast.js";
import { splitLines } from "../grammar/lines.js";
import type { DiagnosticCode, MessageArgs, MessageDef, NoteArgs, NoteDef, Severity } from "./catalogue.js";

export type { DiagnosticCode, Severity } from "./catalogue.js";

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

/** Where a diagnostic points, and what it adds to its message. */
export interface DiagnosticPlace {
  /** The file as shown to the user. */
  readonly file: string;
  readonly range: Range;
  /** Overrides the entry's hint (a computed one, e.g. "did you mean ...?"); `undefined` keeps the entry's. */
  readonly hint?: string | undefined;
  readonly related?: readonly RelatedLocation[] | undefined;
}

/**
 * Makes the diagnostic a catalogue entry describes, filling its `{placeholders}` from `args`:
 * `diagnostic(messages.unknownConnection, { name }, { file, range })`.
 */
export function diagnostic<M extends MessageDef>(entry: M, args: MessageArgs<M>, place: DiagnosticPlace): Diagnostic {
  const hint =
    place.hint ?? (entry.hint === undefined ? undefined : fill(entry.hint, args as Record<string, string | number>));
  return {
    code: entry.code,
    severity: entry.severity,
    message: fill(entry.text, args as Record<string, string | number>),
    file: place.file,
    range: place.range,
    ...(hint ? { hint } : {}),
    ...(place.related?.length ? { related: place.related } : {}),
  };
}

/** Makes the related location a catalogue note describes: `related(notes.firstSet, {}, { file, range })`. */
export function related<N extends NoteDef>(
  entry: N,
  args: NoteArgs<N>,
  place: { readonly file: string; readonly range: Range },
): RelatedLocation {
  return { message: fill(entry.text, args as Record<string, string | number>), file: place.file, range: place.range };
}

/** A template's placeholders are `{name}`: a name in braces, nothing else (`{ ... }` in a text stays as written). */
const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names of a template, in order of appearance (the catalogue test reads them). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(placeholder)].map((m) => m[1]!);
}

function fill(template: string, args: Readonly<Record<string, string | number>>): string {
  return template.replace(placeholder, (_, name: string) => {
    const value = args[name];
    // A missing argument is a kefgen bug (the types require every placeholder): never print "{name}" to a user.
    if (value === undefined) throw new Error(`catalogue template ${JSON.stringify(template)}: no value for {${name}}`);
    return String(value);
  });
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
  const out: string[] = [
    `${style.cyan(location(d.file, d.range.start))} - ${colour(d.severity)} ${style.gray(d.code)}: ${d.message}`,
  ];
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
