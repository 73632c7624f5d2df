// `kefgen plan`: prints the consumer plan of a project (generator/plan.ts builds it from the resolved model).
import { hasErrors } from "../diagnostics.js";
import { connectionPlan, planMarkdown, planText } from "../plan.js";
import { analyse, type ProjectOptions } from "../program.js";
import type { CommandIo, Report } from "./output.js";

/** Options of {@link planCommand}. */
export interface PlanCommandOptions {
  readonly format: "text" | "json" | "markdown";
  /** Prints diagnostics as text, with code frames. */
  readonly report: Report;
}

/**
 * `kefgen plan [files...] [--format text|json|markdown]`. Exit code 1 when the project has errors (no plan).
 * Warnings of the plan do not fail it. JSON: `{ "diagnostics": [...], "plan": {...} }`.
 */
export function planCommand(io: CommandIo, project: ProjectOptions, options: PlanCommandOptions): number {
  const analysed = analyse(project);
  const failed = !analysed.model || hasErrors(analysed.diagnostics);
  const plan = failed ? undefined : connectionPlan(analysed.model!);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify({ diagnostics: analysed.diagnostics, ...(plan ? { plan } : {}) }, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  options.report(analysed.diagnostics, analysed.sources);
  if (!plan) return 1;
  io.stdout.write(options.format === "markdown" ? planMarkdown(plan) : planText(plan));
  return 0;
}
