// Projects of several .kef files: names resolve across files, diagnostics point into the right file,
// files come from globs or a kefgen.config.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runKefgen } from "../support/cli.js";

let dir: string;

async function kefgen(...args: string[]) {
  return runKefgen(dir, args);
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

const order =
  'message Order avro { "type": "record", "name": "Order", "fields": [ { "name": "id", "type": "string" } ] }';

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-project-"));
  write("kef/messages.kef", `namespace shop\n${order}\n`);
  write("kef/connections.kef", 'shared { groupId = "shop" }\nconnection audit exclusive { groupId = "shop-audit" }\n');
  write("kef/topics/topics.kef", 'topic "orders" : Order\ntopic "audit" : Order { consumer via audit }\n');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("multi-file projects", () => {
  it("resolve messages and connections across files given as a glob", async () => {
    const r = await kefgen("build", "kef/**/*.kef", "--out", "gen");
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    const wiring = fs.readFileSync(path.join(dir, "gen/wiring.ts"), "utf8");
    expect(wiring).toContain(
      "// source: ../kef/connections.kef\n// source: ../kef/messages.kef\n// source: ../kef/topics/topics.kef\n",
    );
    expect(wiring).toContain("export function createShopConsumers(");
    expect(wiring).toMatch(/name: "audit",\s+kind: "exclusive",/);
    expect(wiring).toContain('groupId: "shop-audit"');
  });

  it("accept several files and globs, each file once", async () => {
    const r = await kefgen("check", "kef/messages.kef", "kef/*.kef", "kef/topics/topics.kef");
    expect(r).toEqual({
      exitCode: 0,
      stdout: "kef/messages.kef, kef/connections.kef, kef/topics/topics.kef: ok\n",
      stderr: "",
    });
  });

  it("point each diagnostic into the file it concerns, with related locations in other files", async () => {
    write("kef/more.kef", `${order}\ntopic "orders" : Ordr\n`);
    const r = await kefgen("check", "kef/**/*.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('kef/more.kef:1:9 - error KEF2003: message "Order" is declared twice');
    expect(r.stderr).toContain('  kef/messages.kef:2:9: message "Order" is first declared here');
    // Files are checked in path order: kef/more.kef declares "orders" before kef/topics/topics.kef does.
    expect(r.stderr).toContain('kef/topics/topics.kef:1:7 - error KEF2004: topic "orders" is declared twice');
    expect(r.stderr).toContain('  kef/more.kef:2:7: topic "orders" is first declared here');
    expect(r.stderr).toContain('kef/more.kef:2:18 - error KEF2001: unknown message type "Ordr"');
    expect(r.stderr).toContain("3 errors");
  });

  it("report a second shared block in another file", async () => {
    write("kef/extra.kef", "shared { maxBufferedMessages = 5 }\n");
    const r = await kefgen("check", "kef/**/*.kef");
    expect(r.stderr).toContain("kef/extra.kef:1:1 - error KEF2014: the shared connection is configured twice");
    expect(r.stderr).toContain("  kef/connections.kef:1:1: the shared block is first declared here");
  });

  it("read a schema file once, however many messages take a type from it", async () => {
    write("kef/schemas/types.avsc", '[ { "type": "record", "name": "A", "fields": [] }, ]');
    write("kef/more.kef", 'message A1 from "schemas/types.avsc#A"\nmessage A2 from "schemas/types.avsc#A"\n');
    const r = await kefgen("check", "kef/**/*.kef");
    expect(r.stderr.match(/error KEF3003/g)).toHaveLength(1);
    expect(r.stderr).toContain("kef/schemas/types.avsc:1:52 - error KEF3003");
  });

  it("KEF4001: a glob that matches no .kef file", async () => {
    const r = await kefgen("check", "nowhere/**/*.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nowhere/**/*.kef:1:1 - error KEF4001: no .kef file matches "nowhere/**/*.kef"');
  });
});

describe("kefgen.config.json", () => {
  it("is used when no files are given: files, out and name, relative to the config file", async () => {
    write(
      "app/kefgen.config.json",
      JSON.stringify({ files: ["../kef/**/*.kef"], out: "src/generated", name: "Store" }),
    );
    const r = await kefgen("build", "--config", "app/kefgen.config.json");
    expect(r).toMatchObject({
      exitCode: 0,
      stdout: "wrote app/src/generated: codecs.ts, consumers.ts, index.ts, messages.ts, wiring.ts\n",
    });
    expect(fs.readFileSync(path.join(dir, "app/src/generated/wiring.ts"), "utf8")).toContain(
      "export function createStoreConsumers(",
    );
  });

  it("is found in the working directory", async () => {
    write("kefgen.config.json", JSON.stringify({ files: ["kef/**/*.kef"] }));
    expect(await kefgen("check")).toEqual({
      exitCode: 0,
      stdout: "kef/connections.kef, kef/messages.kef, kef/topics/topics.kef: ok\n",
      stderr: "",
    });
  });

  it("KEF4003: a config with an unknown key or a wrong value is reported", async () => {
    write("kefgen.config.json", JSON.stringify({ files: ["kef/**/*.kef"], output: "x" }));
    const r = await kefgen("check");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('kefgen.config.json:1:1 - error KEF4003: unknown key "output" in the project config');
    expect(r.stderr).toContain("hint: keys are: files, out, name, runtimeImport");
    write("kefgen.config.json", JSON.stringify({ files: [] }));
    expect((await kefgen("check")).stderr).toContain('error KEF4003: "files" must be a non-empty array of strings');
    write("kefgen.config.json", "{ not json");
    expect((await kefgen("check")).stderr).toContain("error KEF4003: cannot read the project config:");
  });

  it("no files and no config is a usage error", async () => {
    const r = await kefgen("build");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("kefgen: no .kef files given and no kefgen.config.json here");
    expect((await kefgen("build", "kef/messages.kef", "--config", "x.json")).exitCode).toBe(2);
  });
});
