// The kefgen CLI as a real process, from the TypeScript sources: `node --import <tsx> kefgen-process.ts build ...`
// (bin/kefgen.js runs the built dist/ instead). For tests that must kill the CLI or see how it exits.
import { main } from "../../generator/cli/main.js";

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
