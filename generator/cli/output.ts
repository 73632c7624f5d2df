// What the commands print to and how they print diagnostics: the streams and environment a command runs with,
// colour on a terminal only, and diagnostics as text (with code frames) on stderr or as JSON on stdout.
// Files are read and written through generator/files.ts.
import pc from "picocolors";
import { formatDiagnostic, plain, summary, type Diagnostic, type Styler } from "../diagnostics.js";

/** What a command prints to. */
export interface CommandIo {
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** What the command line runs with: the process's directory, environment and streams (or a test's). */
export interface CliIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Ends `build --watch` (besides Ctrl-C); for running the CLI in-process. */
  readonly signal?: AbortSignal;
}

/** How diagnostics are printed: text on stderr, or one JSON document on stdout. */
export type Format = "text" | "json";

/** Prints diagnostics as text, with code frames from `sources`. What the commands are given to report with. */
export type Report = (diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>) => void;

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org), always with FORCE_COLOR. */
export function useColour(stream: { isTTY?: boolean }, env: CliIo["env"]): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true && env["TERM"] !== "dumb";
}

function styler(enabled: boolean): Styler {
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { red: c.red, yellow: c.yellow, cyan: c.cyan, gray: c.gray, bold: c.bold };
}

/** Prints diagnostics: `{ "diagnostics": [...] }` on stdout for json; for text, each with its code frame and a summary on stderr. */
export function report(
  io: CliIo,
  format: Format,
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
): void {
  if (format === "json") {
    io.stdout.write(`${JSON.stringify({ diagnostics }, null, 2)}\n`);
    return;
  }
  if (diagnostics.length === 0) return;
  const style = styler(useColour(io.stderr, io.env));
  io.stderr.write(
    `${diagnostics.map((d) => formatDiagnostic(d, sources, style)).join("\n\n")}\n\n${summary(diagnostics)}\n`,
  );
}
