// The kefgen command line. Exit codes: 0 ok, 1 diagnostics or stale output, 2 usage or internal error.
import { Command, CommanderError, Option } from "commander";
import { loadAvroRuntime } from "../avro-runtime.js";
import { configFileName, projectOptions } from "../config.js";
import type { Diagnostic } from "../diagnostics.js";
import { report, type CliIo, type Format } from "./output.js";
// One module per command, each loaded by its command only: `kefgen check` loads the front end alone (the
// emitters, ts-morph and dprint are loaded by `build`, see program.ts; chokidar by `build --watch`; kafkajs by
// dlq and topics; prettier's doc printer by fmt).

const formatOption = () =>
  new Option("--format <format>", "diagnostics as text or json").choices(["text", "json"]).default("text");

const againstOption = () =>
  new Option(
    "--against <git-ref>",
    "also check schema evolution against the project at this git ref: breaking changes are errors (BACKWARD and FORWARD)",
  );

const configOption = () =>
  new Option("-c, --config <file>", `project config (default: ./${configFileName} when no files are given)`);

function withAgainst<T extends object>(project: T, against: string | undefined): T {
  return against === undefined || "usage" in project || "diagnostics" in project ? project : { ...project, against };
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const usage = (message: string): void => {
    io.stderr.write(`kefgen: ${message}\n(run kefgen --help for usage)\n`);
    exitCode = 2;
  };
  const fail = (format: Format, diagnostics: Diagnostic[]): void => {
    report(io, format, diagnostics, new Map());
    exitCode = 1;
  };
  const program = new Command()
    .name("kefgen")
    .description("Generate typed Kafka consumers for TypeScript from a .kef declaration")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run kefgen --help for usage)");

  program
    .command("build")
    .description("check .kef files and write the generated TypeScript")
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .option("-o, --out <dir>", "output directory (default: generated/ next to the .kef file)")
    .option("--check", "write nothing; exit 1 if the output is missing or out of date")
    .option("--force", "overwrite existing files that kefgen did not generate (without it they stop the build)")
    .option("-w, --watch", "rebuild whenever a .kef file, a schema file or the config changes; Ctrl-C stops")
    .addOption(againstOption())
    .addOption(configOption())
    .addOption(formatOption())
    .action(
      async (
        files: string[],
        opts: {
          out?: string;
          check?: boolean;
          force?: boolean;
          watch?: boolean;
          against?: string;
          config?: string;
          format: Format;
        },
      ) => {
        const project = withAgainst(projectOptions(io, files, opts), opts.against);
        if ("usage" in project) return usage(project.usage);
        if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
        const { buildCommand } = await import("./build.js");
        exitCode = await buildCommand(io, project, { ...opts, files, usage });
      },
    );

  program
    .command("check")
    .description("check .kef files and report problems; writes nothing")
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .addOption(againstOption())
    .addOption(configOption())
    .addOption(formatOption())
    .action(async (files: string[], opts: { against?: string; config?: string; format: Format }) => {
      const project = withAgainst(projectOptions(io, files, opts), opts.against);
      if ("usage" in project) return usage(project.usage);
      if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
      const { checkCommand } = await import("./check.js");
      exitCode = checkCommand(io, project, opts);
    });

  program
    .command("fmt")
    .description("format .kef files in place: one canonical layout, comments kept")
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .option("--check", "write nothing; exit 1 listing the files that are not formatted")
    .addOption(configOption())
    .addOption(formatOption())
    .action(async (files: string[], opts: { check?: boolean; config?: string; format: Format }) => {
      const project = projectOptions(io, files, opts);
      if ("usage" in project) return usage(project.usage);
      if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
      const { fmtCommand } = await import("./fmt.js");
      exitCode = fmtCommand(io, project, {
        check: opts.check === true,
        format: opts.format,
        report: (d, s) => report(io, "text", d, s),
      });
    });

  program
    .command("graph")
    .description("draw connections → Kafka consumers → topics → handlers as a Mermaid diagram")
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .option(
      "-o, --out <file>",
      "write it to a file: .mmd gets the bare diagram, any other name Markdown (default: Markdown on stdout)",
    )
    .addOption(configOption())
    .addOption(formatOption())
    .action(async (files: string[], opts: { out?: string; config?: string; format: Format }) => {
      const project = projectOptions(io, files, opts);
      if ("usage" in project) return usage(project.usage);
      if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
      const { graphCommand } = await import("./graph.js");
      exitCode = graphCommand(io, project, {
        format: opts.format,
        report: (d, s) => report(io, "text", d, s),
        ...(opts.out ? { out: opts.out } : {}),
      });
    });

  program
    .command("lsp")
    .description("run the language server for editors, over stdin and stdout (see docs/editor.md)")
    .option("--stdio", "talk over stdin and stdout (the default and only transport; editors pass it)")
    .action(async () => {
      const { runLanguageServer } = await import("../lsp/server.js");
      exitCode = await runLanguageServer();
    });

  program
    .command("plan")
    .description(
      "list every Kafka consumer the .kef creates: group id, topics, effective settings and where each came from",
    )
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .addOption(configOption())
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .action(async (files: string[], opts: { config?: string; format: "text" | "json" | "markdown" }) => {
      const format: Format = opts.format === "json" ? "json" : "text";
      const project = projectOptions(io, files, opts);
      if ("usage" in project) return usage(project.usage);
      if ("diagnostics" in project) return fail(format, project.diagnostics);
      const { planCommand } = await import("./plan.js");
      exitCode = planCommand(io, project, { format: opts.format, report: (d, s) => report(io, "text", d, s) });
    });

  program
    .command("registry")
    .description("work with the schema registries that format = confluent topics read from")
    .command("check")
    .description(
      "ask each topic's registry whether the .kef's schemas are compatible with the latest registered versions of their subjects",
    )
    .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
    .option("--registry <name>", "ask only this registry (by its name in the .kef)")
    .addOption(configOption())
    .addOption(formatOption())
    .action(async (files: string[], opts: { registry?: string; config?: string; format: Format }) => {
      const project = projectOptions(io, files, opts);
      if ("usage" in project) return usage(project.usage);
      if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
      const { registryCheckCommand } = await import("./registry-check.js");
      const code = await registryCheckCommand(io, project, {
        format: opts.format,
        ...(opts.registry !== undefined ? { registry: opts.registry } : {}),
        report: (d, s) => report(io, "text", d, s),
        usage,
      });
      if (exitCode === 0) exitCode = code;
    });

  // kefgen dlq: the dead letters of a topic (runtime/dead-letter.ts format), listed or written back.
  const dlq = program.command("dlq").description("list or replay the records of a dead-letter topic");
  const brokersOption = () =>
    new Option("--brokers <list>", "bootstrap brokers, comma-separated (default: $KAFKA_BROKERS)");
  const brokersOf = (opts: { brokers?: string }): string[] | undefined => {
    const list = (opts.brokers ?? io.env["KAFKA_BROKERS"] ?? "")
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b.length > 0);
    return list.length > 0 ? list : undefined;
  };
  const offsetOf = (text: string | undefined): number | undefined | "bad" => {
    if (text === undefined) return undefined;
    return /^[0-9]+$/.test(text) ? Number(text) : "bad";
  };
  const runDlq = async (work: () => Promise<number>): Promise<void> => {
    try {
      exitCode = await work();
    } catch (error) {
      io.stderr.write(`kefgen: ${(error as Error).message}\n`);
      exitCode = 2;
    }
  };
  dlq
    .command("inspect")
    .description("list the dead letters of a topic: position, original position, age, error, key")
    .argument("<topic>", "the dead-letter topic")
    .addOption(brokersOption())
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (topic: string, opts: { brokers?: string; format: Format }) => {
      const brokers = brokersOf(opts);
      if (!brokers) return usage("kefgen dlq needs --brokers (or KAFKA_BROKERS)");
      const { dlqInspect } = await import("./dlq.js");
      await runDlq(() => dlqInspect(io, topic, { brokers, format: opts.format }));
    });
  dlq
    .command("replay")
    .description(
      "write dead letters back to their original topics (same key, value, headers and partition); reports how many",
    )
    .argument("<topic>", "the dead-letter topic")
    .addOption(brokersOption())
    .option("--from <offset>", "first dead-letter offset to replay (on every partition)")
    .option("--to <offset>", "last dead-letter offset to replay, inclusive")
    .option("--where-error <text>", "only dead letters whose error class or message contains this text")
    .option("--dry-run", "count what would be replayed, write nothing")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(
      async (
        topic: string,
        opts: { brokers?: string; from?: string; to?: string; whereError?: string; dryRun?: boolean; format: Format },
      ) => {
        const brokers = brokersOf(opts);
        if (!brokers) return usage("kefgen dlq needs --brokers (or KAFKA_BROKERS)");
        const from = offsetOf(opts.from);
        const to = offsetOf(opts.to);
        if (from === "bad" || to === "bad") return usage("--from and --to take an offset (a whole number)");
        const { dlqReplay } = await import("./dlq.js");
        const filter = {
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(opts.whereError !== undefined ? { whereError: opts.whereError } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
        };
        await runDlq(() => dlqReplay(io, topic, filter, { brokers, format: opts.format }));
      },
    );

  // kefgen topics: the declared topics (and their dead-letter topics) against a cluster; exit 0 same, 1 error, 2 changes.
  const topics = program
    .command("topics")
    .description("create missing topics, add partitions and fix config drift as the .kef declares");
  for (const [name, apply] of [
    ["plan", false],
    ["apply", true],
  ] as const) {
    topics
      .command(name)
      .description(
        apply
          ? "make the changes plan lists (never deletes a topic or reduces partitions); exit 2 when changes were made"
          : "list what apply would change; exit 0 nothing, 2 changes pending, 1 error",
      )
      .argument("[files...]", ".kef files or glob patterns (default: the files of kefgen.config.json)")
      .addOption(brokersOption())
      .addOption(configOption())
      .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
      .action(async (files: string[], opts: { brokers?: string; config?: string; format: Format }) => {
        // Exit 2 means "changes" here, so a usage error is 1, like any other error.
        const misuse = (message: string): void => {
          usage(message);
          exitCode = 1;
        };
        const brokers = brokersOf(opts);
        if (!brokers) return misuse("kefgen topics needs --brokers (or KAFKA_BROKERS)");
        const project = projectOptions(io, files, opts);
        if ("usage" in project) return misuse(project.usage);
        if ("diagnostics" in project) return fail(opts.format, project.diagnostics);
        const { topicsCommand } = await import("./topics.js");
        exitCode = await topicsCommand(io, project, {
          brokers,
          format: opts.format,
          apply,
          report: (d, s) => report(io, "text", d, s),
        });
      });
  }

  try {
    // avsc is loaded when a schema first needs it; on a Node whose `require()` cannot load ES modules, here.
    await loadAvroRuntime();
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
