// kefgen build --watch, on a real temporary directory: rebuilds when the .kef file or a schema file changes
// (also when saved by rename, or when a missing schema appears), keeps the last good output while there are errors,
// never stops on them, and exits 0 on Ctrl-C.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../generator/cli/main.js";
import { watchLoop } from "../../generator/watch.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { waitFor } from "../support/kafka.js";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-watch-"));
  fs.cpSync(path.join(repoRoot, "fixtures/valid/seed"), dir, {
    recursive: true,
    filter: (src) => !src.includes("expected"),
  });
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function generated(): Record<string, string> {
  const out = path.join(dir, "generated");
  if (!fs.existsSync(out)) return {};
  return Object.fromEntries(
    fs
      .readdirSync(out)
      .sort()
      .map((n) => [n, fs.readFileSync(path.join(out, n), "utf8")]),
  );
}

/** Edits a file the way many editors save: write a temporary file next to it, then rename it over the original. */
function saveByRename(file: string, text: string): void {
  const temp = `${file}.swp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/** Starts `kefgen build --watch` in-process; `stop()` ends it like Ctrl-C and returns the exit code. */
function startWatch(...args: string[]) {
  const controller = new AbortController();
  const output = { stdout: "", stderr: "" };
  const exited = main(["build", ...args, "--watch"], {
    cwd: dir,
    env: {},
    signal: controller.signal,
    stdout: { write: (s: string) => ((output.stdout += s), true) },
    stderr: { write: (s: string) => ((output.stderr += s), true) },
  });
  const count = (text: string, what: string) => text.split(what).length - 1;
  return {
    output,
    /** Waits until `what` has been printed `times` times in all (stdout and stderr). */
    printed: (what: string, times = 1) =>
      waitFor(() => count(output.stdout + output.stderr, what) >= times, {
        timeoutMs: 20_000,
        message: `${JSON.stringify(what)} printed ${times}×\n${output.stdout}${output.stderr}`,
      }),
    stop: async () => {
      controller.abort();
      return exited;
    },
  };
}

describe("kefgen build --watch", () => {
  it("rebuilds on every change of the .kef file, keeps the output through errors, and rebuilds after the fix", async () => {
    const kef = path.join(dir, "seed.kef");
    const original = fs.readFileSync(kef, "utf8");
    const files = fs.readdirSync(dir);
    const watch = startWatch("seed.kef");
    try {
      await watch.printed("wrote generated: codecs.ts, consumers.ts, index.ts, messages.ts, wiring.ts\n");
      await watch.printed(
        "watching schemas/critical-alert.avsc, schemas/order-created.avsc, schemas/trading-signal.avsc, seed.kef (Ctrl-C to stop)\n",
      );

      fs.writeFileSync(kef, original.replace("maxBufferedMessages = 100", "maxBufferedMessages = 250"));
      await waitFor(() => generated()["wiring.ts"]?.includes("maxBufferedMessages: 250"), {
        timeoutMs: 20_000,
        message: "wiring.ts rebuilt with 250",
      });
      await watch.printed("wrote generated: wiring.ts\n");
      const good = generated();

      // An error: the diagnostic is printed, the output stays as it was, the watch goes on.
      fs.writeFileSync(
        kef,
        original.replace('topic "order-events" : OrderCreated', 'topic "order-events" : OrderCreatd'),
      );
      await watch.printed('error KEF2001: unknown message type "OrderCreatd"');
      expect(watch.output.stderr).toContain('hint: did you mean "OrderCreated"?');
      expect(generated()).toEqual(good);

      // The fix, saved by rename: rebuilt.
      saveByRename(kef, original.replace("maxBufferedMessages = 100", "maxBufferedMessages = 300"));
      await waitFor(() => generated()["wiring.ts"]?.includes("maxBufferedMessages: 300"), {
        timeoutMs: 20_000,
        message: "wiring.ts rebuilt with 300",
      });
      await watch.printed("wrote generated: wiring.ts\n", 2);
      expect(watch.output.stderr).toContain("changed: seed.kef; building\n");
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    // No temporary file left behind.
    expect(fs.readdirSync(dir).sort()).toEqual([...files, "generated"].sort());
  });

  it("rebuilds when a schema file changes, and when a missing one is created", async () => {
    const kef = path.join(dir, "seed.kef");
    fs.writeFileSync(
      kef,
      fs
        .readFileSync(kef, "utf8")
        .replace(
          'message TradingSignal from "schemas/trading-signal.avsc"',
          'message TradingSignal from "schemas/new/signal.avsc"',
        ),
    );
    const watch = startWatch("seed.kef");
    try {
      await watch.printed('error KEF3002: schema file "schemas/new/signal.avsc" not found');
      expect(generated()).toEqual({});
      await watch.printed("schemas/new/signal.avsc, ");

      fs.mkdirSync(path.join(dir, "schemas/new"));
      fs.copyFileSync(path.join(dir, "schemas/trading-signal.avsc"), path.join(dir, "schemas/new/signal.avsc"));
      await watch.printed("wrote generated: codecs.ts, consumers.ts, index.ts, messages.ts, wiring.ts\n");

      const schema = path.join(dir, "schemas/order-created.avsc");
      const json = JSON.parse(fs.readFileSync(schema, "utf8")) as { fields: unknown[] };
      json.fields.push({ name: "addedByTheTest", type: "string", default: "" });
      fs.writeFileSync(schema, JSON.stringify(json, null, 2));
      await waitFor(() => generated()["messages.ts"]?.includes("addedByTheTest"), {
        timeoutMs: 20_000,
        message: "messages.ts rebuilt",
      });
      expect(watch.output.stderr).toContain("changed: schemas/order-created.avsc; building\n");
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });

  it("refuses --watch with --check (usage, exit 2)", async () => {
    let stderr = "";
    const code = await main(["build", "seed.kef", "--watch", "--check"], {
      cwd: dir,
      env: {},
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((stderr += s), true) },
    });
    expect(code).toBe(2);
    expect(stderr).toContain("--watch and --check cannot be used together");
  });

  it("exits 0 on Ctrl-C (SIGINT) when run as a process", async () => {
    const code = `import { main } from ${JSON.stringify(path.join(repoRoot, "generator/cli/main.ts"))};
process.exitCode = await main(["build", "seed.kef", "--watch"], { cwd: ${JSON.stringify(dir)}, env: {}, stdout: process.stdout, stderr: process.stderr });`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    try {
      await waitFor(() => stderr.includes("(Ctrl-C to stop)"), {
        timeoutMs: 30_000,
        message: `the watch to start\n${stderr}`,
      });
      child.kill("SIGINT");
      expect(await exit).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("watchLoop", () => {
  it("debounces a burst of writes into fewer builds and reports a throwing build without stopping", async () => {
    const file = path.join(dir, "input.txt");
    fs.writeFileSync(file, "0");
    const controller = new AbortController();
    const builds: string[][] = [];
    const errors: unknown[] = [];
    let watching = 0;
    const loop = watchLoop({
      signal: controller.signal,
      debounceMs: 150,
      onError: (e) => errors.push(e),
      onWatching: () => watching++,
      run: async (changed) => {
        builds.push([...changed]);
        if (fs.readFileSync(file, "utf8") === "throw") throw new Error("broken build");
        return [file];
      },
    });
    await waitFor(() => watching === 1, { message: "first build" });
    for (let i = 1; i <= 5; i++) fs.writeFileSync(file, String(i));
    await waitFor(() => builds.length >= 2, { timeoutMs: 20_000, message: "a rebuild" });
    await waitFor(() => fs.readFileSync(file, "utf8") === "5" && watching >= 2, { message: "the rebuild to finish" });
    expect(builds.length).toBeLessThan(1 + 5);
    expect(builds[1]).toEqual([file]);

    fs.writeFileSync(file, "throw");
    await waitFor(() => errors.length === 1, { timeoutMs: 20_000, message: "the failing build" });
    expect((errors[0] as Error).message).toBe("broken build");
    const before = builds.length;
    fs.writeFileSync(file, "fine");
    await waitFor(() => builds.length > before, { timeoutMs: 20_000, message: "a build after the failure" });
    controller.abort();
    await loop;
  });
});
