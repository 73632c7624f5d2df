// Runs `kefgen lsp` from the sources (as bin/kefgen.js runs it from dist/), for the protocol tests.
import { main } from "../../generator/cli/main.js";

process.exitCode = await main(["lsp", ...process.argv.slice(2)], {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
