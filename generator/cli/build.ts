// `kefgen build [files...] [--out dir] [--check] [--force] [--watch]`: checks the project and writes the generated
// TypeScript (program.ts's build, written by generator/write.ts), or with --check only compares; with --watch it
// hands over to generator/watch.ts, which chokidar makes a module of its own, loaded only here.
import path from "node:path";
import v8 from "node:v8";
import { findConfig } from "../config.js";
import { hasErrors, type Diagnostic } from "../diagnostics.js";
import { build, type ProjectOptions } from "../program.js";
import { displayPath } from "../load.js";
import { report, type CliIo, type Format } from "./output.js";

export interface BuildCommandOptions {
  /** The files as given on the command line: for the command line `--check` suggests. */
  readonly files: readonly string[];
  readonly out?: string;
  readonly check?: boolean;
  readonly force?: boolean;
  readonly watch?: boolean;
  readonly config?: string;
  readonly format: Format;
  /** A usage error (exit 2). */
  readonly usage: (message: string) => void;
}

/** Returns the exit code: 0 written or up to date, 1 diagnostics or (with `check`) stale output, 2 usage. */
export async function buildCommand(io: CliIo, project: ProjectOptions, opts: BuildCommandOptions): Promise<number> {
  const { files } = opts;
  if (opts.watch) {
    if (opts.check) {
      opts.usage("--watch and --check cannot be used together");
      return 2;
    }
    const config = opts.config
      ? path.resolve(io.cwd, opts.config)
      : files.length === 0
        ? findConfig(io.cwd)
        : undefined;
    const watched = {
      ...project,
      force: opts.force === true,
      ...(opts.out ? { outDir: path.resolve(io.cwd, opts.out) } : {}),
    };
    const print = (r: { diagnostics: readonly Diagnostic[]; sources: ReadonlyMap<string, string> }) =>
      report(io, opts.format, r.diagnostics, r.sources);
    const { watchCommand } = await import("../watch.js");
    return await watchCommand(io, watched, {
      format: opts.format,
      report: print,
      ...(config ? { alsoWatch: [config] } : {}),
    });
  }
  oneBuildProcess();
  // --out is relative to where the command runs; a config's "out" to the config file.
  const result = await build({
    ...project,
    check: opts.check === true,
    force: opts.force === true,
    ...(opts.out ? { outDir: path.resolve(io.cwd, opts.out) } : {}),
  });
  report(io, opts.format, result.diagnostics, result.sources);
  if (hasErrors(result.diagnostics) || !result.plan) return 1;
  const out = displayPath(io.cwd, result.outDir);
  const stale = [...result.plan.changed.map((f) => f.name), ...result.plan.obsolete];
  if (opts.check) {
    if (stale.length > 0) {
      const again = [
        "kefgen build",
        ...files,
        ...(opts.out ? ["--out", opts.out] : []),
        ...(opts.config ? ["--config", opts.config] : []),
        ...(opts.force ? ["--force"] : []),
      ].join(" ");
      io.stderr.write(`${out} is out of date:\n${stale.map((n) => `  ${n}`).join("\n")}\nrun: ${again}\n`);
      return 1;
    }
    if (opts.format === "text") io.stdout.write(`${out} is up to date (${result.files.length} files)\n`);
    return 0;
  }
  if (opts.format === "text") {
    io.stdout.write(
      stale.length === 0
        ? `${out} is up to date (${result.files.length} files)\n`
        : `wrote ${out}: ${stale.join(", ")}\n`,
    );
  }
  return 0;
}

/**
 * Tunes V8 for a process that builds once and exits (not `--watch`). dprint, the formatter of generated code
 * (generator/format.ts), is WebAssembly: V8 runs it compiled by its baseline compiler (Liftoff) and recompiles the hot
 * functions with TurboFan on background threads. In a single build those recompiles cost more CPU than they save:
 * on the 400-type bench project ~0.5 s of a ~2.9 s build (`--liftoff-only` 2.4 s, interleaved runs; bench/RESULTS.md).
 * A watch, which formats again and again, keeps V8's default. V8 reads the flag when it compiles a WebAssembly
 * module, and dprint's is compiled when the first statement is formatted, after this. The output is the same: only
 * how V8 compiles the formatter changes, not what it computes.
 */
function oneBuildProcess(): void {
  v8.setFlagsFromString("--liftoff-only");
}
