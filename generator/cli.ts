// The kefgen command line. Exit codes: 0 ok, 1 diagnostics or stale output, 2 usage or internal error.
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { formatDiagnostic, hasErrors, plain, summary, type Diagnostic, type Styler } from "./diagnostics.js";
import { analyse, build, displayPath } from "./program.js";

export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

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

type Format = "text" | "json";

function report(io: CliIo, format: Format, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  if (format === "json") {
    io.stdout.write(`${JSON.stringify({ diagnostics }, null, 2)}\n`);
    return;
  }
  if (diagnostics.length === 0) return;
  const style = styler(useColour(io.stderr, io.env));
  io.stderr.write(`${diagnostics.map((d) => formatDiagnostic(d, sources, style)).join("\n\n")}\n\n${summary(diagnostics)}\n`);
}

const formatOption = () => new Option("--format <format>", "diagnostics as text or json").choices(["text", "json"]).default("text");

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("kefgen")
    .description("Generate typed Kafka consumers for TypeScript from a .kef declaration")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run kefgen --help for usage)");

  program
    .command("build")
    .description("check a .kef file and write the generated TypeScript")
    .argument("<file>", "the .kef file")
    .option("-o, --out <dir>", "output directory (default: generated/ next to the .kef file)")
    .option("--check", "write nothing; exit 1 if the output is missing or out of date")
    .addOption(formatOption())
    .action(async (file: string, opts: { out?: string; check?: boolean; format: Format }) => {
      const result = await build({ entry: file, cwd: io.cwd, check: opts.check === true, ...(opts.out ? { outDir: opts.out } : {}) });
      report(io, opts.format, result.diagnostics, result.sources);
      if (hasErrors(result.diagnostics) || !result.plan) {
        exitCode = 1;
        return;
      }
      const out = displayPath(io.cwd, result.outDir);
      const stale = [...result.plan.changed.map((f) => f.name), ...result.plan.obsolete];
      if (opts.check) {
        if (stale.length > 0) {
          io.stderr.write(`${out} is out of date:\n${stale.map((n) => `  ${n}`).join("\n")}\nrun: kefgen build ${file}${opts.out ? ` --out ${opts.out}` : ""}\n`);
          exitCode = 1;
        } else if (opts.format === "text") io.stdout.write(`${out} is up to date (${result.files.length} files)\n`);
        return;
      }
      if (opts.format === "text") {
        io.stdout.write(stale.length === 0 ? `${out} is up to date (${result.files.length} files)\n` : `wrote ${out}: ${stale.join(", ")}\n`);
      }
    });

  program
    .command("check")
    .description("check a .kef file and report problems; writes nothing")
    .argument("<file>", "the .kef file")
    .addOption(formatOption())
    .action((file: string, opts: { format: Format }) => {
      const result = analyse(file, io.cwd);
      report(io, opts.format, result.diagnostics, result.sources);
      if (hasErrors(result.diagnostics)) exitCode = 1;
      else if (opts.format === "text") io.stdout.write(`${displayPath(io.cwd, file)}: ok\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander exit is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(`kefgen: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}
