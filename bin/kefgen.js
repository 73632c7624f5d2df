#!/usr/bin/env node
import module from "node:module";

// Node >= 22.1 keeps V8's compiled code of the modules it loads in a cache directory (the OS's temporary directory
// by default) and reuses it in the next process: a cold `kefgen build` then does not compile TypeScript's compiler
// (which ts-morph loads) and kefgen's own modules again, ~0.15 s CPU on a 400-type build with Node 22.22. Older
// Node has no such cache and goes on without it. Enabled before kefgen's modules are loaded, so they are cached too.
module.enableCompileCache?.();

const { main } = await import("../dist/cli/main.js");

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
