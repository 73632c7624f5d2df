// Bundles the command line (tsc's dist/generator/cli/main.js and what it imports) into dist/cli/: the entry point
// bin/kefgen.js loads. Node reads an ES module graph file by file; the CLI's ~80 modules cost a cold `kefgen check`
// ~13 ms of file reads and linking on Node 20 (bench/RESULTS.md), against a few files here.
//
// What the bundle keeps as it was:
// - Laziness. Each command, and the emitters behind `build`, stay a chunk of their own loaded by `import()` when
//   used (`splitting`); packages stay imports of node_modules (`packages: "external"`), so ts-morph, dprint,
//   prettier, chokidar and kafkajs load only where they did (test/generator/lazy-load.test.ts runs this bundle).
// - One runtime. The generator loads the runtime's modules (avsc codecs, the settings declaration) from dist/runtime/
//   itself, never a copy of them: a second copy would have classes and ids of its own. dist/cli/ sits beside
//   dist/generator/, so paths relative to a module's own location (`createRequire(import.meta.url)`) still resolve.
//   The build fails if any runtime module was bundled.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(repoRoot, "dist");
const runtimeDir = path.join(dist, "runtime") + path.sep;
const outdir = path.join(dist, "cli");

fs.rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [path.join(dist, "generator/cli/main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
  chunkNames: "[name]-[hash]",
  plugins: [
    {
      name: "runtime-stays-external",
      setup(b) {
        b.onResolve({ filter: /runtime[\\/]/ }, (args) => {
          const target = path.resolve(args.resolveDir, args.path);
          if (!target.startsWith(runtimeDir)) return undefined;
          return { path: "./" + path.relative(outdir, target).split(path.sep).join("/"), external: true };
        });
      },
    },
  ],
});

const bundled = Object.keys(result.metafile.inputs).filter((input) =>
  path.resolve(repoRoot, input).startsWith(runtimeDir),
);
if (bundled.length > 0) {
  console.error(`bundle-cli: runtime modules were bundled into dist/cli/ (a second copy): ${bundled.join(", ")}`);
  process.exit(1);
}
