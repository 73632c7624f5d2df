// `kefgen check [files...]`: checks the project and reports; writes nothing. Loads the front end only (the
// emitters, ts-morph and dprint are loaded by build; test/generator/lazy-load.test.ts).
import v8 from "node:v8";
import { hasErrors } from "../diagnostics.js";
import { analyse, type ProjectOptions } from "../program.js";
import { displayPath } from "../load.js";
import { report, type CliIo, type Format } from "./output.js";

/** Returns the exit code: 0 no errors, 1 errors. */
export function checkCommand(io: CliIo, project: ProjectOptions, opts: { format: Format }): number {
  oneCheckProcess();
  const result = analyse(project);
  report(io, opts.format, result.diagnostics, result.sources);
  if (hasErrors(result.diagnostics)) return 1;
  if (opts.format === "text") io.stdout.write(`${result.files.map((f) => displayPath(io.cwd, f)).join(", ")}: ok\n`);
  return 0;
}

/**
 * Tunes V8 for a process that checks once and exits. A cold check runs mostly before TurboFan's optimized code of
 * its hot functions is ready: TurboFan compiles them one after another on a background thread, and on Node 20 (no
 * Maglev tier between the interpreter and TurboFan) its compiles queued up behind one another cost the 9,600-line
 * file more than the check itself takes. Without inlining each compile is cheaper, so the optimized code arrives
 * sooner: ~20–25 ms less wall time and ~55 ms less CPU of ~300 ms on Node 20; no change beyond noise on Node 22 and
 * 24 (interleaved runs; bench/RESULTS.md). V8 reads the flag at each compile. Nothing the check computes changes:
 * only how V8 optimizes it.
 */
function oneCheckProcess(): void {
  v8.setFlagsFromString("--no-turbo-inlining");
}
