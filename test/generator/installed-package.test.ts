// kefgen as a user gets it: `npm pack` of this checkout installed into an empty project (its dependencies from
// npm's cache, as `npm ci` left them), then the installed `kefgen` builds examples/shop, TypeScript compiles the
// generated code and a user's handlers against the installed `kefgen/runtime` and `kefgen/testing`, and the compiled
// program handles records on the in-memory transport. What this catches that the other tests cannot: a file the
// package leaves out ("files"), a module it imports from a devDependency, an export map that points nowhere. Each
// command's module is loaded too (`--help` loads only main.js: the commands below run, against no broker where they
// need one). Needs the build (`npm test` builds first).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";

let dir: string;
let app: string;
let kefgenBin: string;

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" },
  });
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-installed-"));
  const packed = run(npm, ["pack", "--pack-destination", dir, "--json"], repoRoot);
  expect(packed.status, packed.stderr).toBe(0);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  app = path.join(dir, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ name: "kefgen-user", private: true, type: "module" }, null, 2),
  );
  const installed = run(
    npm,
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", path.join(dir, filename)],
    app,
  );
  expect(installed.status, installed.stderr).toBe(0);
  kefgenBin = path.join(app, "node_modules", "kefgen", "bin", "kefgen.js");
  for (const f of ["shop.kef", "schemas", "handlers.ts"])
    fs.cpSync(path.join(repoRoot, "examples/shop", f), path.join(app, f), { recursive: true });
}, 180_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the installed package", () => {
  it("builds examples/shop; the output and a user's handlers compile against it and handle records", () => {
    const built = run(process.execPath, [kefgenBin, "build", "shop.kef"], app);
    expect(built.status, built.stderr + built.stdout).toBe(0);
    expect(built.stdout).toContain("wrote generated: ");

    fs.writeFileSync(
      path.join(app, "main.ts"),
      `import { TestKit } from "kefgen/testing";
import { demoHandlers } from "./handlers.js";
import { createShopConsumers, createShopProducers } from "./generated/index.js";

process.env["SHOP_REGISTRY_URL"] = "http://127.0.0.1:9";
const lines: string[] = [];
const kit = new TestKit();
await kit.start(createShopConsumers(kit.kafka, demoHandlers((line) => lines.push(line)), kit.options()));
const producers = createShopProducers(kit.kafka, kit.producerOptions());
await producers.start();
await producers.topics.payments.send(
  { paymentId: "p-1", orderId: "o-1", amountCents: 2500, method: "CARD" },
  { key: "o-1" },
);
await kit.idle();
const handled = kit.outcome("kefgen-demo.payments").handled;
await producers.stop();
await kit.stop();
console.log(JSON.stringify({ handled, lines }));
`,
    );
    fs.writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          outDir: "out",
          types: ["node"],
          typeRoots: [path.join(repoRoot, "node_modules", "@types")],
        },
        files: ["main.ts"],
      }),
    );
    const tsc = run(process.execPath, [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."], app);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const ran = run(process.execPath, [path.join(app, "out", "main.js")], app);
    expect(ran.status, ran.stderr).toBe(0);
    const { handled, lines } = JSON.parse(ran.stdout.trim().split("\n").pop()!) as { handled: number; lines: string[] };
    expect(handled).toBe(1);
    expect(lines.some((l) => l.includes("p-1"))).toBe(true);
  });

  it("runs every command of the installed CLI (against no broker where one is needed)", () => {
    const unreachable = ["--brokers", "127.0.0.1:9"];
    const commands: [args: string[], exitCode: number, output: RegExp][] = [
      [["check", "shop.kef"], 0, /shop\.kef: ok/],
      [["fmt", "--check", "shop.kef"], 0, /./],
      [["graph", "shop.kef"], 0, /flowchart/],
      [["plan", "shop.kef"], 0, /kefgen-demo/],
      [["topics", "plan", "shop.kef", ...unreachable], 1, /127\.0\.0\.1:9/],
      // dlq exits 2 when the cluster cannot be read (docs/tools.md).
      [
        ["dlq", "inspect", "kefgen-demo.payments-dlt", ...unreachable],
        2,
        /cannot read "kefgen-demo\.payments-dlt" from 127\.0\.0\.1:9/,
      ],
      // The shop's registry URL comes from SHOP_REGISTRY_URL, which is not set here: reported, nothing asked.
      [["registry", "check", "shop.kef"], 1, /SHOP_REGISTRY_URL/],
    ];
    for (const [args, exitCode, output] of commands) {
      const r = run(process.execPath, [kefgenBin, ...args], app);
      const printed = r.stdout + r.stderr;
      expect(printed, args.join(" ")).not.toContain("internal error");
      expect(r.status, `${args.join(" ")}\n${printed}`).toBe(exitCode);
      expect(printed, args.join(" ")).toMatch(output);
    }
  });
});
