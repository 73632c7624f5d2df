// `kefgen lsp` over stdio: the diagnostics it pushes are those of `kefgen check` (codes, ranges, hints, related
// locations), for single files, a config project of several files, and problems inside referenced .avsc files.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { analyse } from "../../generator/program.js";
import type { Diagnostic } from "../../generator/diagnostics.js";
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver-protocol";
import { startServer, uri, type LspClient } from "../support/lsp.js";

const invalid = path.join(repoRoot, "fixtures/invalid");

/** What the CLI reports for a file, in the shape the server sends (0-based positions). */
function expected(ds: readonly Diagnostic[], cwd: string, file: string) {
  return ds
    .filter((d) => path.resolve(cwd, d.file) === file)
    .map((d) => ({
      code: d.code,
      severity: d.severity === "error" ? 1 : 2,
      range: {
        start: { line: d.range.start.line - 1, character: d.range.start.column - 1 },
        end: { line: d.range.end.line - 1, character: d.range.end.column - 1 },
      },
      message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
      related: (d.related ?? []).map((r) => ({
        uri: uri(path.resolve(cwd, r.file)),
        line: r.range.start.line - 1,
        message: r.message,
      })),
    }));
}

function received(ds: readonly import("vscode-languageserver-protocol").Diagnostic[]) {
  return ds.map((d) => ({
    code: d.code,
    severity: d.severity,
    range: d.range,
    message: d.message,
    related: (d.relatedInformation ?? []).map((r) => ({
      uri: r.location.uri,
      line: r.location.range.start.line,
      message: r.message,
    })),
  }));
}

describe("diagnostics of single files", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = await startServer();
  });
  afterAll(async () => client.close());

  const files = fs
    .readdirSync(invalid)
    .filter((f) => f.endsWith(".kef"))
    .sort();
  it.each(files)("%s: the same as kefgen check, on it and on the schema files it reads", async (name) => {
    const file = path.join(invalid, name);
    const cli = analyse({ inputs: [file], cwd: invalid });
    expect(cli.diagnostics.length).toBeGreaterThan(0);
    const others = [...new Set(cli.diagnostics.map((d) => path.resolve(invalid, d.file)))].filter((f) => f !== file);
    const onOthers = others.map((f) => client.until(uri(f), (ds) => ds.length > 0));
    const published = await client.open(file);
    expect(received(published)).toEqual(expected(cli.diagnostics, invalid, file));
    const shown = await Promise.all(onOthers);
    others.forEach((f, i) => expect(received(shown[i]!), f).toEqual(expected(cli.diagnostics, invalid, f)));
  });

  it("updates on every change and clears when fixed", async () => {
    const file = path.join(invalid, "unknown-connection-lsp.kef");
    const good = `message M avro { "type": "string" }\nshared { groupId = "g" }\nconnection critical exclusive { groupId = "c" }\ntopic "t" : M { consumer via critical }\n`;
    expect(await client.open(file, good)).toEqual([]);
    const bad = await client.change(file, good.replace("via critical", "via critcal"));
    expect(bad.map((d) => d.code)).toContain("KEF2002");
    const unknown = bad.find((d) => d.code === "KEF2002")!;
    expect(unknown.range).toEqual({ start: { line: 3, character: 29 }, end: { line: 3, character: 36 } });
    expect(unknown.message).toContain('did you mean "critical"?');
    expect(await client.change(file, good)).toEqual([]);
  });
});

describe("diagnostics from the built server (bin/kefgen.js lsp: the bundle in dist/cli/)", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = await startServer(undefined, [path.join(repoRoot, "bin/kefgen.js"), "lsp", "--stdio"]);
  });
  afterAll(async () => client.close());

  it("every invalid fixture: the same as kefgen check", async () => {
    const files = fs.readdirSync(invalid).filter((f) => f.endsWith(".kef"));
    expect(files.length).toBeGreaterThan(50);
    for (const name of files) {
      const file = path.join(invalid, name);
      const cli = analyse({ inputs: [file], cwd: invalid });
      expect(received(await client.open(file)), name).toEqual(expected(cli.diagnostics, invalid, file));
    }
  });
});

describe("diagnostics of a project", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-"));
    fs.cpSync(path.join(repoRoot, "fixtures/valid/multi-file"), dir, {
      recursive: true,
      filter: (src) => !src.includes("expected"),
    });
    client = await startServer(dir);
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a multi-file project is checked as one: a connection of another file is known, a broken one is reported where it is used", async () => {
    const alerts = path.join(dir, "kef/alerts/alerts.kef");
    const connections = path.join(dir, "kef/connections.kef");
    expect(await client.open(alerts)).toEqual([]);
    const text = fs.readFileSync(connections, "utf8");
    expect(await client.open(connections)).toEqual([]);
    // Renaming the connection in the other (open, unsaved) file breaks the uses in alerts.kef.
    const pending = client.nextDiagnostics(uri(alerts));
    await client.change(connections, text.replace("connection alerting", "connection alarming"));
    const broken = await pending;
    expect(broken.map((d) => d.code)).toEqual(["KEF2002", "KEF2002"]);
    const cli = analyse({
      inputs: ["kef/**/*.kef"],
      cwd: dir,
      baseDir: dir,
      root: dir,
      readFile: (p) =>
        p === connections
          ? { text: text.replace("connection alerting", "connection alarming") }
          : { text: fs.readFileSync(p, "utf8") },
    });
    expect(received(broken)).toEqual(expected(cli.diagnostics, dir, alerts));
  });
});

describe("problems inside .avsc files", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-avsc-"));
    fs.cpSync(path.join(repoRoot, "fixtures/valid/avro-files"), dir, {
      recursive: true,
      filter: (src) => !src.includes("expected"),
    });
    client = await startServer();
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("are shown on the .avsc file, and follow its unsaved edits until cleared", async () => {
    const kef = path.join(dir, "avro-files.kef");
    const avsc = path.join(dir, "schemas/shipment.avsc");
    expect(await client.open(kef)).toEqual([]);
    const text = fs.readFileSync(avsc, "utf8");
    const pending = client.until(uri(avsc), (d) => d.length > 0);
    // An open .avsc belongs to the project that reads it: the edit re-checks it.
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: uri(avsc), languageId: "json", version: 1, text: text.replace('"string"', '"strng"') },
    });
    const shown = await pending;
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]!.code).toBe("KEF3001");
    expect(client.diagnostics.get(uri(kef)) ?? []).toEqual([]);
    // Fixed (still unsaved), the .avsc's diagnostics are cleared.
    expect(await client.change(avsc, text)).toEqual([]);
    await client.closeDocument(avsc);
  });

  it("follow the .avsc on disk when it is not open (a watched file change)", async () => {
    const avsc = path.join(dir, "schemas/employee.avsc");
    const text = fs.readFileSync(avsc, "utf8");
    expect(text).toContain('"string"');
    const changedOnDisk = async (content: string, accept: (d: LspDiagnostic[]) => boolean) => {
      // Written whole, then renamed over it (as editors save): the server may still be checking the project after
      // the last test's edits, and a read of the file while writeFileSync had it truncated saw invalid JSON (KEF3003).
      fs.writeFileSync(`${avsc}.saving`, content);
      fs.renameSync(`${avsc}.saving`, avsc);
      const next = client.until(uri(avsc), accept);
      await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
        changes: [{ uri: uri(avsc), type: 2 }],
      });
      return next;
    };
    expect((await changedOnDisk(text.replace('"string"', '"strng"'), (d) => d.length > 0)).map((d) => d.code)).toEqual([
      "KEF3001",
    ]);
    expect(await changedOnDisk(text, () => true)).toEqual([]);
  });
});

describe("closed documents of their own project", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-close-"));
    fs.mkdirSync(path.join(dir, "schemas"));
    fs.writeFileSync(path.join(dir, "schemas/broken.avsc"), '{ "type": "strng" }\n');
    client = await startServer();
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a file never saved: closing it clears its diagnostics and those of its schema files", async () => {
    const file = path.join(dir, "unsaved.kef");
    const avsc = path.join(dir, "schemas/broken.avsc");
    const onSchema = client.until(uri(avsc), (d) => d.length > 0);
    const shown = await client.open(
      file,
      'message M from "schemas/broken.avsc"\nshared { groupId = "g" }\ntopic "t" : M { consumer via nope }\n',
    );
    expect(shown.map((d) => d.code)).toEqual(["KEF2002"]);
    expect((await onSchema).map((d) => d.code)).toEqual(["KEF3001"]);
    const cleared = client.nextDiagnostics(uri(file));
    const schemaCleared = client.nextDiagnostics(uri(avsc));
    await client.closeDocument(file);
    // Not "cannot read unsaved.kef" (KEF4001): there is nothing left to read.
    expect(await cleared).toEqual([]);
    expect(await schemaCleared).toEqual([]);
    // Opened again, it is checked again.
    expect((await client.open(file, 'topic "t" : Missing\n')).map((d) => d.code)).toEqual(["KEF2001"]);
  });

  it("a file on disk keeps its diagnostics once closed, and loses them when it is deleted", async () => {
    const file = path.join(dir, "saved.kef");
    fs.writeFileSync(file, 'topic "t" : Missing\n');
    expect((await client.open(file)).map((d) => d.code)).toEqual(["KEF2001"]);
    const fromDisk = client.nextDiagnostics(uri(file));
    await client.closeDocument(file);
    // Closed, it is what `kefgen check saved.kef` reports.
    expect((await fromDisk).map((d) => d.code)).toEqual(["KEF2001"]);
    fs.rmSync(file);
    const cleared = client.nextDiagnostics(uri(file));
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(file), type: 3 }],
    });
    expect(await cleared).toEqual([]);
  });
});

describe("a project's config", () => {
  let dir: string;
  let client: LspClient;
  const shop = 'message M avro { "type": "string" }\nshared { groupId = "g" }\ntopic "t" : M { consumer via nope }\n';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-config-"));
    fs.cpSync(path.join(repoRoot, "fixtures/invalid/config-unknown-key"), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "shop.kef"), shop);
    client = await startServer(dir);
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const changed = (file: string, type: 1 | 2 | 3) =>
    client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: uri(file), type }] });

  it("a config that does not load is reported on it as by kefgen check; fixed, deleted or changed, it is followed", async () => {
    const config = path.join(dir, "kefgen.config.json");
    const kef = path.join(dir, "shop.kef");
    // Under a config that does not load nothing is checked (as kefgen check): only the config gets diagnostics.
    const onConfig = client.nextDiagnostics(uri(config));
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: uri(kef), languageId: "kef", version: 1, text: shop },
    });
    const reported = await onConfig;
    expect(reported.map((d) => [d.code, d.message, d.range.start])).toEqual([
      [
        "KEF4003",
        'unknown key "output" in the project config\nhint: keys are: files, out, name, runtimeImport, allowOutside',
        { line: 0, character: 0 },
      ],
    ]);
    // Fixed on disk: the config's diagnostics go and the open file is checked in the project.
    fs.writeFileSync(config, '{ "files": ["*.kef"], "out": "generated" }\n');
    const cleared = client.nextDiagnostics(uri(config));
    const checked = client.until(uri(kef), (ds) => ds.length > 0);
    await changed(config, 2);
    expect(await cleared).toEqual([]);
    expect((await checked).map((d) => d.code)).toEqual(["KEF2002"]);
    // A config that no longer lists the file: it is checked alone (the project's diagnostics are cleared first).
    fs.writeFileSync(config, '{ "files": ["other/*.kef"] }\n');
    const redrawn = client.until(uri(kef), (ds) => ds.length > 0);
    await changed(config, 2);
    expect((await redrawn).map((d) => d.code)).toEqual(["KEF2002"]);
    // Broken again: the file's diagnostics of its own project are cleared, the config's shown.
    fs.writeFileSync(config, '{ "files": ["*.kef"], "output": "generated" }\n');
    const fileCleared = client.nextDiagnostics(uri(kef));
    const broken = client.until(uri(config), (ds) => ds.length > 0);
    await changed(config, 2);
    expect(await fileCleared).toEqual([]);
    expect((await broken).map((d) => d.code)).toEqual(["KEF4003"]);
    // Deleted: the file is checked alone.
    fs.rmSync(config);
    const alone = client.until(uri(kef), (ds) => ds.length > 0);
    const configGone = client.nextDiagnostics(uri(config));
    await changed(config, 3);
    expect(await configGone).toEqual([]);
    expect((await alone).map((d) => d.code)).toEqual(["KEF2002"]);
  });
});

describe("watched files", () => {
  it("the server asks a client that can register watchers to report changes of .kef, .avsc and config files", async () => {
    const able = await startServer(undefined, undefined, {
      workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
    });
    const unable = await startServer();
    try {
      // The server registers when `initialized` arrives: a request sent after it is answered after the registration.
      const none = { textDocument: { uri: uri(path.join(os.tmpdir(), "kefgen-none.kef")) } };
      for (const c of [able, unable]) expect(await c.request("textDocument/documentSymbol", none)).toEqual([]);
      expect(able.registrations.map((r) => [r.method, r.registerOptions])).toEqual([
        [
          "workspace/didChangeWatchedFiles",
          {
            watchers: [
              { globPattern: "**/*.kef" },
              { globPattern: "**/*.avsc" },
              { globPattern: "**/kefgen.config.json" },
            ],
          },
        ],
      ]);
      // A client that cannot is expected to report them by its own configuration.
      expect(unable.registrations).toEqual([]);
    } finally {
      await able.close();
      await unable.close();
    }
  });
});
