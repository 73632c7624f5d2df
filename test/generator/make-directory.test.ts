// The output directory (and `kefgen graph --out`'s) is made one level at a time (generator/files.ts `makeDirectory`):
// Node's recursive mkdir spins forever at full CPU where creating a child of an existing directory fails with ENOENT,
// as under /proc. Such a directory is an error like any other. The command-line cases run as child processes with a
// time limit, so that a regression fails instead of hanging the test run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDirectory } from "../../generator/files.js";
import { repoRoot } from "../../scripts/snapshots.js";

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-mkdir-"));
  fs.writeFileSync(
    path.join(dir, "p.kef"),
    `shared { groupId = "g" }
message Ping avro { "type": "record", "name": "Ping", "fields": [ { "name": "id", "type": "string" } ] }
topic "pings" : Ping
`,
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("makeDirectory", () => {
  it("makes the missing levels, leaves an existing directory alone, and fails on a file in the way", () => {
    const nested = path.join(dir, "a", "b", "c");
    makeDirectory(nested);
    expect(fs.statSync(nested).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(nested, "kept"), "x");
    makeDirectory(nested);
    expect(fs.readFileSync(path.join(nested, "kept"), "utf8")).toBe("x");
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(() => makeDirectory(path.join(dir, "file", "sub"))).toThrow(/ENOTDIR|EEXIST/);
  });
});

describe("an output directory that cannot be made", () => {
  const kefgen = (args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, "bin/kefgen.js"), ...args], {
      cwd: dir,
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, NO_COLOR: "1" },
    });

  it("is an error naming it, for build and for graph --out, under /proc where Node's recursive mkdir spins", () => {
    const built = kefgen(["build", "p.kef", "--out", "/proc/kefgen-test-out"]);
    expect(built.error).toBeUndefined(); // no timeout
    expect(built.status, built.stderr + built.stdout).toBe(1);
    expect(built.stdout + built.stderr).toContain(
      `error KEF4002: cannot write to "/proc/kefgen-test-out": ENOENT: no such file or directory, mkdir '/proc/kefgen-test-out'`,
    );
    const drawn = kefgen(["graph", "p.kef", "--out", "/proc/kefgen-test-out/graph.md"]);
    expect(drawn.error).toBeUndefined();
    expect(drawn.status, drawn.stderr + drawn.stdout).toBe(1);
    expect(drawn.stdout + drawn.stderr).toContain(`cannot write "/proc/kefgen-test-out/graph.md"`);
    expect(fs.existsSync("/proc/kefgen-test-out")).toBe(false);
  });
});
