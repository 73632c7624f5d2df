// What kefgen reads from disk: schema files only inside the project root (or an "allowOutside" directory),
// symbolic links by where they lead, only regular files, only up to a size limit, and schemas only up to a number
// of JSON values. Every refusal is a coded diagnostic at the `from` string (at the file for a .kef input), never
// an echo of the file, and none of them waits for a FIFO or reads a device.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../grammar/ast.js";
import { collectInto, linkSchemas } from "../../generator/avro-link.js";
import { readSchema } from "../../generator/avro-read.js";
import type { Diagnostic, DiagnosticCode } from "../../generator/diagnostics.js";
import { maxInputFileBytes, readProjectFile } from "../../generator/files.js";
import { analyse } from "../../generator/program.js";
import { maxSchemaValues } from "../../generator/schema-limits.js";
import { runKefgen } from "../support/cli.js";

/** Written into every file kefgen must not show: the output must never contain it. */
const SECRET = "SECRET-MARKER-5d1c9e";

/** Each case must end well before this: nothing may block or read without bound. */
const FAST = 15_000;

let dir: string;
/** The project: the .kef files are in here, so it is the project root. */
let project: string;

function write(file: string, text: string): string {
  const p = path.join(dir, file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

/** A project whose one message takes its schema from `from` (written into the .kef as a JSON string). */
function kefUsing(from: string): void {
  write(
    "project/app.kef",
    `message Order from ${JSON.stringify(from)}\nshared { groupId = "shop" }\ntopic "orders" : Order\n`,
  );
}

async function kefgen(...args: string[]) {
  return runKefgen(project, args);
}

/** Exit 1, the diagnostic at the `from` string of app.kef (line 1, column 20), and no trace of the file's content. */
function expectRefused(
  r: { exitCode: number; stdout: string; stderr: string },
  code: DiagnosticCode,
  message: string,
): void {
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`app.kef:1:20 - error ${code}: ${message}`);
  expect(r.stderr).toContain('1 message Order from "');
  expect(r.stderr + r.stdout).not.toContain(SECRET);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-files-"));
  project = path.join(dir, "project");
  fs.mkdirSync(project);
  // Not valid JSON: if kefgen read it, its lines would appear in the KEF3003 code frames.
  write("outside/secret.avsc", `${SECRET}\nroot:x:0:0:${SECRET}:/root:/bin/bash\n`);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("schema files outside the project root", () => {
  it("KEF4004: a relative path that leads out is refused, and the file is not read", { timeout: FAST }, async () => {
    kefUsing("../outside/secret.avsc");
    const r = await kefgen("check", "app.kef");
    expectRefused(r, "KEF4004", 'schema file "../outside/secret.avsc" is outside the project root');
    expect(r.stderr).toContain(
      'hint: the project root is "."; to read files from another directory, list it in "allowOutside" in kefgen.config.json',
    );
  });

  it("KEF4004 is reported in a file with syntax errors too", { timeout: FAST }, async () => {
    write("project/app.kef", 'message Order from "../outside/secret.avsc"\ntopic "orders" Order\n');
    const r = await kefgen("check", "app.kef");
    expect(r.stderr).toContain("app.kef:2:16 - error KEF1002");
    expectRefused(r, "KEF4004", 'schema file "../outside/secret.avsc" is outside the project root');
  });

  it("KEF4004: an absolute path, /etc/passwd included, also in --format json", { timeout: FAST }, async () => {
    kefUsing(path.join(dir, "outside/secret.avsc"));
    expectRefused(
      await kefgen("check", "app.kef"),
      "KEF4004",
      `schema file "${path.join(dir, "outside/secret.avsc")}" is outside the project root`,
    );
    kefUsing("/etc/passwd");
    const r = await kefgen("check", "app.kef");
    expectRefused(r, "KEF4004", 'schema file "/etc/passwd" is outside the project root');
    expect(r.stderr).not.toContain("root:");
    const json = await kefgen("check", "app.kef", "--format", "json");
    expect(json.exitCode).toBe(1);
    const diagnostics = (JSON.parse(json.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.file, d.range.start.line, d.range.start.column])).toEqual([
      ["KEF4004", "app.kef", 1, 20],
    ]);
    expect(json.stdout).not.toContain("root:");
  });

  it(
    "KEF4004: a symbolic link inside the root that leads out is refused; one that stays inside is read",
    { timeout: FAST },
    async () => {
      fs.symlinkSync(path.join(dir, "outside/secret.avsc"), path.join(project, "escape.avsc"));
      kefUsing("escape.avsc");
      expectRefused(
        await kefgen("check", "app.kef"),
        "KEF4004",
        `schema file "escape.avsc" leads outside the project root: it resolves to "${fs.realpathSync(path.join(dir, "outside/secret.avsc"))}"`,
      );
      // A linked directory on the way counts too.
      fs.symlinkSync(path.join(dir, "outside"), path.join(project, "linked"));
      kefUsing("linked/secret.avsc");
      expectRefused(
        await kefgen("check", "app.kef"),
        "KEF4004",
        'schema file "linked/secret.avsc" leads outside the project root',
      );

      write(
        "project/schemas/order.avsc",
        '{ "type": "record", "name": "Order", "fields": [ { "name": "id", "type": "string" } ] }',
      );
      fs.symlinkSync(path.join(project, "schemas/order.avsc"), path.join(project, "alias.avsc"));
      kefUsing("alias.avsc");
      expect(await kefgen("check", "app.kef")).toEqual({ exitCode: 0, stdout: "app.kef: ok\n", stderr: "" });
    },
  );

  it(
    "with a config, the root is the config's directory and allowOutside opens exactly the listed directories",
    { timeout: FAST },
    async () => {
      write(
        "shared/order.avsc",
        '{ "type": "record", "name": "Order", "fields": [ { "name": "id", "type": "string" } ] }',
      );
      kefUsing("../shared/order.avsc");
      write("project/kefgen.config.json", JSON.stringify({ files: ["app.kef"] }));
      expectRefused(await kefgen("check"), "KEF4004", 'schema file "../shared/order.avsc" is outside the project root');
      write("project/kefgen.config.json", JSON.stringify({ files: ["app.kef"], allowOutside: ["../shared"] }));
      expect(await kefgen("check")).toEqual({ exitCode: 0, stdout: "app.kef: ok\n", stderr: "" });
      kefUsing("../outside/secret.avsc");
      expectRefused(
        await kefgen("check"),
        "KEF4004",
        'schema file "../outside/secret.avsc" is outside the project root',
      );
    },
  );
});

describe("what --watch watches", () => {
  it("a schema file outside the root as written is not watched; a link inside the root is", () => {
    kefUsing("../outside/secret.avsc");
    expect(analyse({ inputs: ["app.kef"], cwd: project }).schemaFiles).toEqual([]);
    fs.symlinkSync(path.join(dir, "outside/secret.avsc"), path.join(project, "escape.avsc"));
    kefUsing("escape.avsc");
    expect(analyse({ inputs: ["app.kef"], cwd: project }).schemaFiles).toEqual([path.join(project, "escape.avsc")]);
  });
});

describe("only regular files are read", () => {
  it("KEF4005: /dev/zero, even from an allowed directory, is refused at once", { timeout: FAST }, async () => {
    kefUsing("/dev/zero");
    expectRefused(await kefgen("check", "app.kef"), "KEF4004", 'schema file "/dev/zero" is outside the project root');
    write("project/kefgen.config.json", JSON.stringify({ files: ["app.kef"], allowOutside: ["/dev"] }));
    expectRefused(await kefgen("check"), "KEF4005", 'schema file "/dev/zero" is a device, not a regular file');
  });

  it("KEF4005: a FIFO as a schema file, a .kef file or the config never blocks", { timeout: FAST }, async () => {
    execFileSync("mkfifo", [
      path.join(project, "p.avsc"),
      path.join(project, "pipe.kef"),
      path.join(project, "pipe.json"),
    ]);
    kefUsing("p.avsc");
    expectRefused(
      await kefgen("check", "app.kef"),
      "KEF4005",
      'schema file "p.avsc" is a FIFO (named pipe), not a regular file',
    );
    const kef = await kefgen("check", "pipe.kef");
    expect(kef.exitCode).toBe(1);
    expect(kef.stderr).toBe(
      'pipe.kef:1:1 - error KEF4005: "pipe.kef" is a FIFO (named pipe), not a regular file\n\n1 error\n',
    );
    const fmt = await kefgen("fmt", "pipe.kef");
    expect(fmt.exitCode).toBe(1);
    expect(fmt.stderr).toContain('pipe.kef:1:1 - error KEF4005: "pipe.kef" is a FIFO (named pipe), not a regular file');
    const config = await kefgen("check", "--config", "pipe.json");
    expect(config.exitCode).toBe(1);
    expect(config.stderr).toContain(
      "pipe.json:1:1 - error KEF4003: the project config is a FIFO (named pipe), not a regular file",
    );
  });
});

describe("size limits", () => {
  it(
    `KEF4006: a schema file over ${maxInputFileBytes} bytes is refused without being shown`,
    { timeout: FAST },
    async () => {
      const line = `${SECRET} ${"x".repeat(100)}\n`;
      write("project/big.avsc", line.repeat(Math.ceil((maxInputFileBytes + 1) / line.length)));
      kefUsing("big.avsc");
      const r = await kefgen("check", "app.kef");
      expectRefused(r, "KEF4006", 'schema file "big.avsc" is larger than 4 MiB');
      expect(r.stderr).toContain("hint: kefgen reads .kef, schema and config files of at most 4 MiB");
    },
  );

  it("KEF4006: so is a .kef file over the limit, at the file", { timeout: FAST }, async () => {
    const line = `// ${SECRET}\n`;
    write("project/big.kef", line.repeat(Math.ceil((maxInputFileBytes + 1) / line.length)));
    const r = await kefgen("check", "big.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      'big.kef:1:1 - error KEF4006: "big.kef" is larger than 4 MiB\n  hint: kefgen reads .kef, schema and config files of at most 4 MiB\n\n1 error\n',
    );
  });

  it("reads a file of exactly the limit, and refuses one byte more even when read in pieces", () => {
    const file = write("project/edge.txt", "a".repeat(100));
    expect(readProjectFile(file, { maxBytes: 100 })).toEqual({ text: "a".repeat(100) });
    expect(readProjectFile(file, { maxBytes: 99 })).toEqual({ refused: { kind: "too-large", limit: 99 } });
    const large = write("project/large.txt", "b".repeat(200_000));
    expect(readProjectFile(large, { maxBytes: 200_000 })).toEqual({ text: "b".repeat(200_000) });
    expect(readProjectFile(large, { maxBytes: 199_999 })).toEqual({ refused: { kind: "too-large", limit: 199_999 } });
  });

  it(
    `KEF3007: a valid schema file of 70,000 fields (over ${maxSchemaValues} JSON values) is refused before it is parsed`,
    { timeout: FAST },
    async () => {
      const fields = Array.from({ length: 70_000 }, (_, i) => ({ name: `f${i}`, type: "string" }));
      write("project/wide.avsc", JSON.stringify({ type: "record", name: "Order", fields }));
      kefUsing("wide.avsc");
      const r = await kefgen("check", "app.kef");
      expectRefused(r, "KEF3007", `schema file "wide.avsc" is too large: more than 100,000 JSON values`);
      expect(r.stderr).not.toContain("parameters");
    },
  );

  it("KEF3007: an inline schema over the limit is refused at the schema", { timeout: FAST }, async () => {
    const fields = Array.from({ length: 20_001 }, (_, i) => `{"name":"f${i}","type":"int"}`).join(",");
    write(
      "project/app.kef",
      `message Order avro {"type":"record","name":"Order","fields":[${fields}]}\nshared { groupId = "shop" }\ntopic "orders" : Order\n`,
    );
    const r = await kefgen("check", "app.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      'app.kef:1:20 - error KEF3007: the schema of message "Order" is too large: more than 100,000 JSON values',
    );
  });

  it(
    "KEF3007: when avsc cannot compile a schema, the diagnostic does not show avsc's internals",
    { timeout: FAST },
    () => {
      // Built directly, past the checker's value limit: a record with more fields than V8 allows a function's parameters.
      const at = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } };
      const str = (value: string): JsonValue => ({ $type: "JsonString", value, range: at });
      const obj = (members: [string, JsonValue][]): JsonValue =>
        ({
          $type: "JsonObject",
          members: members.map(([k, value]) => ({
            $type: "JsonMember",
            key: { $type: "String", value: k, range: at },
            value,
            range: at,
          })),
          range: at,
        }) as JsonValue;
      const fields: JsonValue = {
        $type: "JsonArray",
        items: Array.from({ length: 70_000 }, (_, i) =>
          obj([
            ["name", str(`f${i}`)],
            ["type", str("int")],
          ]),
        ),
        range: at,
      };
      const read = readSchema({
        file: "wide.avsc",
        json: obj([
          ["type", str("record")],
          ["name", str("Wide")],
          ["fields", fields],
        ]),
        namespace: undefined,
      });
      expect(read.diagnostics).toEqual([]);
      const reported: Diagnostic[] = [];
      linkSchemas(collectInto(reported), [{ name: "Wide", schema: read.schema! }]);
      expect(reported.map(({ code, message }) => ({ code, message }))).toEqual([
        { code: "KEF3007", message: "the Avro schema is too large for avsc to compile" },
      ]);
    },
  );
});
