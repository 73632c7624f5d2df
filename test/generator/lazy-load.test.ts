// `kefgen check` loads the front end only: ts-morph and dprint (the emitters' and formatter's dependencies,
// about a third of a second of module loading), prettier (`kefgen fmt`'s printer) and chokidar are imported by the commands that use them; Chevrotain
// comes from its single-file bundle, not from its entry point, which imports lodash-es as ~2,300 modules
// (grammar/chevrotain.ts). avsc is loaded only for a schema generator/codec-accepts.ts leaves to it
// (generator/avro-runtime.ts). The CLI runs as a real process whose module resolution refuses those packages.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
let dir: string;
let refuse: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lazy-"));
  fs.cpSync(path.join(repoRoot, "fixtures/valid/seed"), dir, { recursive: true });
  fs.rmSync(path.join(dir, "expected"), { recursive: true });
  // A project whose schemas generator/codec-accepts.ts vouches for: checked without avsc.
  fs.writeFileSync(
    path.join(dir, "plain.kef"),
    `namespace lazy
      shared { groupId = "lazy" }
      message Ping avro {
        "type": "record", "name": "Ping", "fields": [
          { "name": "id", "type": "string" }, { "name": "sequence", "type": "long" },
          { "name": "status", "type": { "type": "enum", "name": "Status", "symbols": ["ON", "OFF"] } },
          { "name": "note", "type": ["null", "string"], "default": null } ]
      }
      topic "pings" : Ping`,
  );
  // A module hook that fails every import that resolves into one of the heavy packages (those of `refused`).
  const hooks = path.join(dir, "hooks.mjs");
  fs.writeFileSync(
    hooks,
    `const refused = new RegExp(process.env.KEFGEN_REFUSED);
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      if (refused.test(r.url)) throw new Error("refused to load " + r.url);
      return r;
    }`,
  );
  // The same refusal for `require` (generator/ts-morph.ts requires ts-morph), which the module hook does not see.
  refuse = path.join(dir, "refuse.mjs");
  fs.writeFileSync(
    refuse,
    `import Module, { register } from "node:module";
    register(${JSON.stringify(pathToFileURL(hooks).href)});
    const resolveFilename = Module._resolveFilename;
    Module._resolveFilename = function (...args) {
      const r = resolveFilename.apply(this, args);
      if (new RegExp(process.env.KEFGEN_REFUSED).test(r)) throw new Error("refused to load " + r);
      return r;
    };`,
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The heavy packages `kefgen check` must not load (avsc: unless a schema needs avsc's own verdict). */
const heavy = ["ts-morph", "@dprint", "prettier", "chokidar", "lodash-es"];

/** Runs the CLI with the packages named in `refused` refused. */
function kefgen(refused: readonly string[], ...args: string[]): { status: number | null; output: string } {
  return kefgenOnNode([], refused, ...args);
}

/** {@link kefgen}, from the build users run: bin/kefgen.js and the bundle in dist/cli/ (scripts/bundle-cli.ts). */
function builtKefgen(refused: readonly string[], ...args: string[]): { status: number | null; output: string } {
  return spawned(["--import", pathToFileURL(refuse).href, path.join(repoRoot, "bin/kefgen.js"), ...args], refused);
}

/** {@link kefgen}, with Node's options `nodeOptions`. */
function kefgenOnNode(
  nodeOptions: readonly string[],
  refused: readonly string[],
  ...args: string[]
): { status: number | null; output: string } {
  return spawned(
    [
      ...nodeOptions,
      "--import",
      tsxLoader,
      "--import",
      pathToFileURL(refuse).href,
      path.join(repoRoot, "test/support/kefgen-process.ts"),
      ...args,
    ],
    refused,
  );
}

function spawned(nodeArgs: readonly string[], refused: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, nodeArgs, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", KEFGEN_REFUSED: `[\\\\/]node_modules[\\\\/](${refused.join("|")})[\\\\/]` },
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("kefgen check loads neither ts-morph, dprint, prettier, chokidar nor lodash-es", () => {
  it("kefgen check", () => {
    const r = kefgen(heavy, "check", "seed.kef");
    expect(r.output).toContain("seed.kef: ok");
    expect(r.status).toBe(0);
  });

  it("nor avsc, when generator/codec-accepts.ts vouches for every schema", () => {
    const r = kefgen([...heavy, "avsc"], "check", "plain.kef");
    expect(r.output).toContain("plain.kef: ok");
    expect(r.status).toBe(0);
  });

  it("where require() cannot load an ES module (Node 22 before 22.12), avsc is loaded at start instead", () => {
    // generator/avro-runtime.ts `loadAvroRuntime`: refused here, so the CLI stops before checking anything.
    const r = kefgenOnNode(["--no-experimental-require-module"], [...heavy, "avsc"], "check", "plain.kef");
    expect(r.output).toMatch(/internal error: .*refused to load .*node_modules\/avsc\//);
    expect(r.status).toBe(2);
  });

  it("the hooks refuse avsc: the seed's schemas, which need avsc's own verdict, then cannot be checked", () => {
    const r = kefgen([...heavy, "avsc"], "check", "seed.kef");
    expect(r.output).toMatch(/KEF3001: invalid Avro schema: refused to load .*node_modules\/avsc\//);
    expect(r.status).not.toBe(0);
  });

  it("the hooks do refuse them, imported or required: kefgen build, which emits, fails under them", () => {
    const r = kefgen(heavy, "build", "seed.kef");
    expect(r.output).toMatch(/refused to load .*node_modules\/(ts-morph|@dprint)\//);
    expect(r.status).not.toBe(0);
  });
  // The bundle keeps each command, and the emitters behind build, a chunk loaded when used; packages stay imports.
  it("the built CLI (bin/kefgen.js and its bundle) loads none of them either, and the hooks reach it", () => {
    const check = builtKefgen([...heavy, "avsc"], "check", "plain.kef");
    expect(check.output).toContain("plain.kef: ok");
    expect(check.status).toBe(0);
    const build = builtKefgen(heavy, "build", "seed.kef");
    expect(build.output).toMatch(/refused to load .*node_modules\/(ts-morph|@dprint)\//);
    expect(build.status).not.toBe(0);
  });
});
