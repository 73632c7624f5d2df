// Runs the kefgen CLI in-process, as a user would from `cwd`, capturing what it prints (never coloured).
import { main } from "../../generator/cli/main.js";

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `env` is the environment the CLI sees (default: none). */
export async function runKefgen(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const exitCode = await main(args, {
    cwd,
    env,
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  });
  return { exitCode, stdout, stderr };
}
