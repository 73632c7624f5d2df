// `kefgen fmt [files...] [--check]`: formats .kef files in place (the layout is generator/fmt.ts's formatKef), each
// written atomically, or with --check only lists those that are not formatted.
import path from "node:path";
import { messages } from "../catalogue.js";
import { diagnostic, hasErrors, startOfFile, type Diagnostic } from "../diagnostics.js";
import { formatKef } from "../fmt.js";
import { inputFileDiagnostic, readProjectFile, writeFileAtomic } from "../files.js";
import { type ProjectOptions } from "../program.js";
import { displayPath, resolveInputs } from "../load.js";
import type { CommandIo, Report } from "./output.js";

export interface FmtFileResult {
  /** As shown to the user. */
  readonly file: string;
  /** The formatted text differs from the file's. */
  readonly changed: boolean;
  /** The file was rewritten (never with `check`). */
  readonly written: boolean;
}

export interface FmtResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Source texts by displayed file name, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  /** One entry per file that could be read and has no syntax errors, in the order given. */
  readonly files: readonly FmtFileResult[];
}

/** Formats files in place (or, with `check`, only compares). Paths are relative to `cwd`. */
function formatFiles(
  files: readonly string[],
  options: { cwd: string; check?: boolean; displayPath: (absolute: string) => string },
): FmtResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const results: FmtFileResult[] = [];
  for (const file of files) {
    const absolutePath = path.resolve(options.cwd, file);
    const shown = options.displayPath(absolutePath);
    const read = readProjectFile(absolutePath);
    if ("refused" in read) {
      diagnostics.push(inputFileDiagnostic(read.refused, shown));
      continue;
    }
    const text = read.text;
    sources.set(shown, text);
    const formatted = formatKef({ file: shown, absolutePath, text });
    if (formatted.text === undefined) {
      diagnostics.push(...formatted.diagnostics);
      continue;
    }
    const changed = formatted.text !== text;
    let written = false;
    if (changed && !options.check) {
      try {
        writeFileAtomic(absolutePath, formatted.text);
        written = true;
      } catch (error) {
        diagnostics.push(
          diagnostic(
            messages.cannotWrite,
            { file: shown, reason: (error as Error).message },
            { file: shown, range: startOfFile },
          ),
        );
      }
    }
    results.push({ file: shown, changed, written });
  }
  return { diagnostics, sources, files: results };
}

// ---------------------------------------------------------------------------------------------
// The command

export interface FmtCommandOptions {
  readonly check: boolean;
  readonly format: "text" | "json";
  /** Prints diagnostics as text, with code frames. */
  readonly report: Report;
}

/**
 * `kefgen fmt [files...] [--check]`: formats the files in place, or with `--check` lists those that are not
 * formatted. Returns the exit code: 1 when a file has errors (it is left as it was) or, with `--check`, would change.
 * With `--format json`, stdout gets one document: `{ "diagnostics": [...], "files": [{ file, changed, written }] }`.
 */
export function fmtCommand(
  io: CommandIo,
  project: Pick<ProjectOptions, "inputs" | "baseDir">,
  options: FmtCommandOptions,
): number {
  const inputs = resolveInputs(project.inputs, project.baseDir ?? io.cwd);
  const formatted = formatFiles(inputs.files, {
    cwd: io.cwd,
    check: options.check,
    displayPath: (p) => displayPath(io.cwd, p),
  });
  const result = { ...formatted, diagnostics: [...inputs.diagnostics, ...formatted.diagnostics] };
  const unformatted = result.files.filter((f) => f.changed).map((f) => f.file);
  const failed = hasErrors(result.diagnostics) || (options.check && unformatted.length > 0);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify({ diagnostics: result.diagnostics, files: result.files }, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  options.report(result.diagnostics, result.sources);
  if (options.check) {
    if (unformatted.length > 0) {
      io.stderr.write(
        `not formatted:\n${unformatted.map((f) => `  ${f}`).join("\n")}\nrun: kefgen fmt ${unformatted.join(" ")}\n`,
      );
    } else if (result.files.length > 0) io.stdout.write(`${count(result.files.length)} formatted\n`);
    return failed ? 1 : 0;
  }
  for (const f of result.files) if (f.written) io.stdout.write(`formatted ${f.file}\n`);
  if (result.files.length > 0 && !result.files.some((f) => f.written))
    io.stdout.write(`${count(result.files.length)} already formatted\n`);
  return failed ? 1 : 0;
}

function count(files: number): string {
  return files === 1 ? "1 file" : `${files} files`;
}
