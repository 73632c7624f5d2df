// `kefgen check [files...]`: checks the project and reports; writes nothing. Loads the front end only (the
// emitters, ts-morph and dprint are loaded by build; test/generator/lazy-load.test.ts).
import { hasErrors } from "../diagnostics.js";
import { analyse, type ProjectOptions } from "../program.js";
import { displayPath } from "../load.js";
import { report, type CliIo, type Format } from "./output.js";

/** Returns the exit code: 0 no errors, 1 errors. */
export function checkCommand(io: CliIo, project: ProjectOptions, opts: { format: Format }): number {
  const result = analyse(project);
  report(io, opts.format, result.diagnostics, result.sources);
  if (hasErrors(result.diagnostics)) return 1;
  if (opts.format === "text") io.stdout.write(`${result.files.map((f) => displayPath(io.cwd, f)).join(", ")}: ok\n`);
  return 0;
}
