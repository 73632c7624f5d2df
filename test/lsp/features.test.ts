// `kefgen lsp` over stdio: completion, hover, go to definition, references, rename, symbols, folding, formatting
// and quick fixes, on the multi-file project, the .avsc project and invalid fixtures.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type {
  CodeAction,
  CompletionItem,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  TextEdit,
  WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { repoRoot } from "../../scripts/snapshots.js";
import { settingsCatalogue, units } from "../../generator/settings.js";
import { topicConfigs, topicConfigUnits } from "../../generator/topic-config.js";
import { at, hoverText, labels, startServer, uri, type LspClient } from "../support/lsp.js";

function enumValues(name: string): string[] {
  const t = settingsCatalogue.find((s) => s.name === name)!.type;
  if (t.kind !== "enum") throw new Error(`${name} is not an enum`);
  return [...t.values];
}

describe("a multi-file project", () => {
  let dir: string;
  let client: LspClient;
  let files: { alerts: string; orders: string; connections: string };
  let text: { alerts: string; orders: string; connections: string };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-features-"));
    fs.cpSync(path.join(repoRoot, "fixtures/valid/multi-file"), dir, {
      recursive: true,
      filter: (src) => !src.includes("expected"),
    });
    files = {
      alerts: path.join(dir, "kef/alerts/alerts.kef"),
      orders: path.join(dir, "kef/orders/orders.kef"),
      connections: path.join(dir, "kef/connections.kef"),
    };
    text = {
      alerts: fs.readFileSync(files.alerts, "utf8"),
      orders: fs.readFileSync(files.orders, "utf8"),
      connections: fs.readFileSync(files.connections, "utf8"),
    };
    client = await startServer(dir);
    for (const f of Object.values(files)) expect(await client.open(f)).toEqual([]);
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // A test that edits a document leaves the next one the files as they are on disk.
  afterEach(async () => {
    for (const [k, f] of Object.entries(files)) await client.change(f, text[k as keyof typeof text]);
  });

  const req = <R>(method: string, file: string, position?: { line: number; character: number }, extra: object = {}) =>
    client.request<R>(method, { textDocument: { uri: uri(file) }, ...(position ? { position } : {}), ...extra });

  it("completes connection names after via, message types after the colon, keywords at the top level", async () => {
    const edited = `${text.alerts}topic "new" : Al`;
    await client.change(files.alerts, edited);
    const types = await req<CompletionItem[]>("textDocument/completion", files.alerts, at(edited, ": Al", 4));
    expect(labels(types).sort()).toEqual(["Alert", "OrderPlaced"]);
    const via = `${text.alerts}topic "new" : Alert { consumer via `;
    await client.change(files.alerts, via);
    expect(labels(await req<CompletionItem[]>("textDocument/completion", files.alerts, at(via, "via ", 4, 2)))).toEqual(
      ["alerting"],
    );
    const top = `${text.alerts}\n`;
    await client.change(files.alerts, top);
    const all = labels(
      await req<CompletionItem[]>(
        "textDocument/completion",
        files.alerts,
        at(top, "\n", 1, top.split("\n").length - 2),
      ),
    );
    expect(all).toEqual(
      expect.arrayContaining([
        "message",
        "topic",
        "connection",
        "shared",
        "registry",
        "Alert",
        "OrderPlaced",
        "alerting",
        "orderAlerts",
        "euOrders",
      ]),
    );
    await client.change(files.alerts, text.alerts);
  });

  it("completes setting names with documentation and default, and their values: enum values, units", async () => {
    const inBlock = text.connections.replace("  sessionTimeoutMs = 10000", "  sess\n  sessionTimeoutMs = 10000");
    await client.change(files.connections, inBlock);
    const names = await req<CompletionItem[]>("textDocument/completion", files.connections, at(inBlock, "  sess\n", 6));
    // A connection takes every setting but the producer's (those go in shared or a topic's producer block).
    expect(labels(names)).toEqual(settingsCatalogue.filter((s) => s.scope !== "producer").map((s) => s.name));
    // Each with its documentation and default.
    for (const n of names) {
      const s = settingsCatalogue.find((x) => x.name === n.label)!;
      expect(n.detail, n.label).toBe(`default: ${s.default === undefined ? "none" : String(s.default)}`);
      expect(JSON.stringify(n.documentation), n.label).toContain(JSON.stringify(s.meaning).slice(1, -1));
    }
    const session = names.find((n) => n.label === "sessionTimeoutMs")!;
    expect(session.detail).toBe("default: 30000");
    expect(JSON.stringify(session.documentation)).toContain(
      settingsCatalogue.find((s) => s.name === "sessionTimeoutMs")!.meaning,
    );
    const values = text.connections.replace(
      "  sessionTimeoutMs = 10000",
      "  autoOffsetReset = \n  sessionTimeoutMs = 30",
    );
    await client.change(files.connections, values);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.connections, at(values, "autoOffsetReset = ", 18)),
      ),
    ).toEqual(enumValues("autoOffsetReset"));
    expect(
      labels(
        await req<CompletionItem[]>(
          "textDocument/completion",
          files.connections,
          at(values, "sessionTimeoutMs = 30", 21),
        ),
      ),
    ).toEqual(Object.keys(units.ms));
    // Topic-level blocks take only buffer settings, and the backpressure modes.
    const alerts = text.alerts.replace("backpressure = DropOldestMessage", "backpressure = ");
    await client.change(files.alerts, alerts);
    expect(
      labels(await req<CompletionItem[]>("textDocument/completion", files.alerts, at(alerts, "backpressure = ", 15))),
    ).toEqual(enumValues("backpressure"));
    expect(enumValues("backpressure")).toContain("DropNewestMessage");
    // In a topic's producer block: the producer settings (not produce, which belongs in shared), and their values.
    const producing = text.alerts.replace(
      "{ consumer via alerting }",
      "{ consumer via alerting producer {\n    \n  } }",
    );
    await client.change(files.alerts, producing);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.alerts, at(producing, "producer {\n    ", 15)),
      ),
    ).toEqual(settingsCatalogue.filter((s) => s.scope === "producer" && s.name !== "produce").map((s) => s.name));
    const compression = producing.replace("producer {\n    \n", "producer {\n    compression = \n");
    await client.change(files.alerts, compression);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.alerts, at(compression, "compression = ", 14)),
      ),
    ).toEqual(enumValues("compression"));
    // Words a string or number setting takes besides a value.
    const dead = text.alerts.replace("backpressure = DropOldestMessage", "deadLetter = ");
    await client.change(files.alerts, dead);
    const words = await req<CompletionItem[]>("textDocument/completion", files.alerts, at(dead, "deadLetter = ", 13));
    expect(labels(words)).toEqual(["default", "none"]);
    expect(words.find((w) => w.label === "none")!.detail).toBe("deadLetter (default)");
    await client.change(files.alerts, text.alerts);
    await client.change(files.connections, text.connections);
  });

  it("in a topic's { }: provisioning settings and clauses; in config { }: Kafka's topic config keys, their values and units", async () => {
    const body = text.alerts.replace(
      'topic "alerts" : Alert { consumer via alerting }',
      'topic "alerts" : Alert {\n  consumer via alerting\n  \n}',
    );
    await client.change(files.alerts, body);
    const items = await req<CompletionItem[]>("textDocument/completion", files.alerts, at(body, "alerting\n  \n", 11));
    expect(labels(items)).toEqual(["partitions", "replicationFactor", "route", "config", "producer", "consumer"]);
    expect(items[0]!.insertText).toBe("partitions = ");
    // The consumer's own settings block still takes the buffer settings.
    const consumerBlock = body.replace("consumer via alerting\n  \n", "consumer via alerting {\n    \n  }\n");
    await client.change(files.alerts, consumerBlock);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.alerts, at(consumerBlock, "alerting {\n    ", 15)),
      ),
    ).toEqual(settingsCatalogue.filter((s) => s.scope === "buffer").map((s) => s.name));
    // A key being typed, its string not closed yet: every known key, replacing what is typed with `"key" = `.
    const typing = body.replace("alerting\n  \n", 'alerting\n  config {\n    "ret\n  }\n');
    await client.change(files.alerts, typing);
    const keyAt = at(typing, '"ret', 4);
    const keys = await req<CompletionItem[]>("textDocument/completion", files.alerts, keyAt);
    expect(labels(keys)).toEqual([...topicConfigs.keys()]);
    const retention = keys.find((k) => k.label === "retention.ms")!;
    expect(retention.textEdit).toEqual({
      range: { start: { ...keyAt, character: keyAt.character - 4 }, end: keyAt },
      newText: '"retention.ms" = ',
    });
    expect(retention.filterText).toBe('"retention.ms"');
    expect(retention.detail).toMatch(/^a duration .*at least -1$/);
    // Values: an enum's words, a boolean's, and the units after a number.
    const values = typing.replace(
      '    "ret\n',
      '    "cleanup.policy" = \n    "preallocate" = \n    "retention.ms" = 7\n',
    );
    await client.change(files.alerts, values);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.alerts, at(values, '"cleanup.policy" = ', 19)),
      ),
    ).toEqual(["delete", "compact"]);
    expect(
      labels(await req<CompletionItem[]>("textDocument/completion", files.alerts, at(values, '"preallocate" = ', 16))),
    ).toEqual(["true", "false"]);
    expect(
      labels(
        await req<CompletionItem[]>("textDocument/completion", files.alerts, at(values, '"retention.ms" = 7', 18)),
      ),
    ).toEqual(Object.keys(topicConfigUnits.duration));
    // Hover on a key and on a provisioning setting, in a topic that checks.
    const valid = text.alerts.replace(
      'topic "alerts" : Alert { consumer via alerting }',
      'topic "alerts" : Alert { partitions = 3 consumer via alerting config { "segment.bytes" = 1GiB } }',
    );
    expect(await client.change(files.alerts, valid)).toEqual([]);
    const segment = hoverText(await req<Hover>("textDocument/hover", files.alerts, at(valid, "segment.bytes", 3)));
    expect(segment).toContain("**segment.bytes**: Kafka topic config");
    expect(segment).toContain("a size (e.g. 1GiB");
    expect(hoverText(await req<Hover>("textDocument/hover", files.alerts, at(valid, "partitions", 2)))).toContain(
      "**partitions**: The topic's partition count",
    );
    // route (refused on this one-type topic, KEF2124: the hover does not need a valid file).
    const routed = valid.replace("partitions = 3", 'route = header("$type")');
    await client.change(files.alerts, routed);
    expect(hoverText(await req<Hover>("textDocument/hover", files.alerts, at(routed, "route =", 2)))).toContain(
      "**route**: How a multi-type topic",
    );
    await client.change(files.alerts, text.alerts);
  });

  it("hover on a setting shows its documentation and effective value along default → shared → connection → topic", async () => {
    const h = hoverText(await req<Hover>("textDocument/hover", files.alerts, at(text.alerts, "backpressure", 2)));
    expect(h).toContain("**backpressure**");
    expect(h).toContain('**Effective value:** `DropOldestMessage` (from topic "alerts.orders")');
    const buffered = hoverText(
      await req<Hover>("textDocument/hover", files.orders, at(text.orders, "maxBufferedMessages", 2)),
    );
    expect(buffered).toContain('**Effective value:** `50` (from topic "orders.placed.eu")');
    expect(buffered).toContain(
      'default: `10000` → shared: `500` → topic "orders.placed.eu": `50`'.replace(
        "`10000`",
        `\`${settingsCatalogue.find((s) => s.name === "maxBufferedMessages")!.default}\``,
      ),
    );
    const session = hoverText(
      await req<Hover>("textDocument/hover", files.connections, at(text.connections, "sessionTimeoutMs", 2)),
    );
    expect(session).toContain("**Effective value:** `10000` (from connection alerting)");
  });

  it("hover lists each layer of the precedence that applies: default → shared → connection → topic", async () => {
    // Every layer writes maxBufferedMessages: the topic's wins, then (without it) the connection's.
    const connections = text.connections.replace(
      "  sessionTimeoutMs",
      "  maxBufferedMessages = 200\n  sessionTimeoutMs",
    );
    const alerts = text.alerts.replace("backpressure = DropOldestMessage", "maxBufferedMessages = 20");
    await client.change(files.connections, connections);
    expect(await client.change(files.alerts, alerts)).toEqual([]);
    const initial = settingsCatalogue.find((s) => s.name === "maxBufferedMessages")!.default;
    const chain = `default: \`${String(initial)}\` → shared: \`500\` → connection alerting: \`200\``;
    const onTopic = hoverText(
      await req<Hover>("textDocument/hover", files.alerts, at(alerts, "maxBufferedMessages", 2)),
    );
    expect(onTopic).toContain('**Effective value:** `20` (from topic "alerts.orders")');
    expect(onTopic).toContain(`${chain} → topic "alerts.orders": \`20\``);
    const onConnection = hoverText(
      await req<Hover>("textDocument/hover", files.connections, at(connections, "maxBufferedMessages = 200", 2)),
    );
    expect(onConnection).toContain("**Effective value:** `200` (from connection alerting)");
    expect(onConnection).toContain(chain);
  });

  it("hover on a message type shows its fields with their TypeScript types", async () => {
    const h = hoverText(await req<Hover>("textDocument/hover", files.alerts, at(text.alerts, ": OrderPlaced", 4)));
    expect(h).toContain("interface OrderPlaced {");
    expect(h).toContain("orderId: string;");
    expect(h).toContain("totalCents: number;");
    const alert = hoverText(await req<Hover>("textDocument/hover", files.alerts, at(text.alerts, "message Alert", 9)));
    expect(alert).toContain("orderId: null | string;");
  });

  it("goes from a connection reference to its block in another file, and from an alias to its declaration", async () => {
    const def = await req<Location[]>("textDocument/definition", files.alerts, at(text.alerts, "via alerting", 5));
    expect(def).toEqual([
      {
        uri: uri(files.connections),
        range: { start: at(text.connections, "alerting"), end: at(text.connections, "alerting", 8) },
      },
    ]);
    const alias = await req<Location[]>("textDocument/definition", files.orders, at(text.orders, "euOrders", 1));
    expect(alias).toEqual([
      { uri: uri(files.orders), range: { start: at(text.orders, "euOrders"), end: at(text.orders, "euOrders", 8) } },
    ]);
  });

  it("finds the references of a message type across files, and renames a connection everywhere", async () => {
    const refs = await req<Location[]>(
      "textDocument/references",
      files.orders,
      at(text.orders, "message OrderPlaced", 9),
      { context: { includeDeclaration: true } },
    );
    expect(refs.map((r) => `${path.basename(r.uri)}:${r.range.start.line}`).sort()).toEqual(
      ["alerts.kef:11", "orders.kef:2", "orders.kef:9", "orders.kef:10"].sort(),
    );
    const edit = await req<WorkspaceEdit>("textDocument/rename", files.alerts, at(text.alerts, "via alerting", 5), {
      newName: "paging",
    });
    expect(Object.keys(edit.changes!).sort()).toEqual([uri(files.alerts), uri(files.connections)].sort());
    expect(edit.changes![uri(files.alerts)]!.length).toBe(2);
    expect(edit.changes![uri(files.connections)]).toEqual([
      {
        range: { start: at(text.connections, "alerting"), end: at(text.connections, "alerting", 8) },
        newText: "paging",
      },
    ]);
  });

  it("finds the references of a connection across files, and of an alias (its declaration only)", async () => {
    const where = (ls: Location[]) => ls.map((r) => `${path.basename(r.uri)}:${r.range.start.line}`).sort();
    const connection = await req<Location[]>(
      "textDocument/references",
      files.connections,
      at(text.connections, "connection alerting", 11),
      { context: { includeDeclaration: true } },
    );
    const alertsLine = (needle: string) => `alerts.kef:${at(text.alerts, needle).line}`;
    expect(where(connection)).toEqual(
      [
        `connections.kef:${at(text.connections, "connection alerting").line}`,
        alertsLine('topic "alerts" :'),
        alertsLine('topic "alerts.orders"'),
      ].sort(),
    );
    const uses = await req<Location[]>("textDocument/references", files.alerts, at(text.alerts, "via alerting", 5), {
      context: { includeDeclaration: false },
    });
    expect(where(uses)).toEqual([alertsLine('topic "alerts" :'), alertsLine('topic "alerts.orders"')].sort());
    // An alias names the topic's handler in the generated code; in the .kef it is only declared.
    const alias = await req<Location[]>("textDocument/references", files.orders, at(text.orders, "as euOrders", 4), {
      context: { includeDeclaration: true },
    });
    expect(alias).toEqual([
      { uri: uri(files.orders), range: { start: at(text.orders, "euOrders"), end: at(text.orders, "euOrders", 8) } },
    ]);
    const aliasUses = await req<Location[]>(
      "textDocument/references",
      files.orders,
      at(text.orders, "as euOrders", 4),
      {
        context: { includeDeclaration: false },
      },
    );
    expect(aliasUses).toEqual([]);
  });

  it("lists document symbols with their settings, and folds blocks", async () => {
    const symbols = await req<DocumentSymbol[]>("textDocument/documentSymbol", files.connections);
    expect(symbols.map((s) => s.name)).toEqual(["shared", "connection alerting"]);
    expect(symbols[1]!.children!.map((c) => `${c.name}=${c.detail}`)).toEqual([
      'groupId="platform-alerting"',
      "sessionTimeoutMs=10000",
      "heartbeatIntervalMs=2000",
    ]);
    const folds = await req<FoldingRange[]>("textDocument/foldingRange", files.connections);
    expect(folds.map((f) => [f.startLine, f.endLine])).toEqual([
      [3, 6],
      [8, 12],
    ]);
  });
});

describe("formatting and quick fixes", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-fix-"));
    client = await startServer();
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("formats with kefgen fmt's printer", async () => {
    const file = path.join(dir, "messy.kef");
    const messy = `message M avro { "type": "string" }\nshared {   groupId="g"  }\ntopic "t":M\n`;
    await client.open(file, messy);
    const edits = await client.request<TextEdit[]>("textDocument/formatting", {
      textDocument: { uri: uri(file) },
      options: { tabSize: 2, insertSpaces: true },
    });
    const { formatKef } = await import("../../generator/fmt.js");
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(formatKef({ file, absolutePath: file, text: messy }).text);
    expect(edits[0]!.newText).not.toBe(messy);
    // A file with a syntax error is left as it is (as kefgen fmt leaves it).
    const broken = `${messy}topic "u" : {\n`;
    const diagnostics = await client.change(file, broken);
    expect(diagnostics.map((d) => d.code).filter((c) => String(c).startsWith("KEF1")).length).toBeGreaterThan(0);
    expect(
      await client.request<TextEdit[]>("textDocument/formatting", {
        textDocument: { uri: uri(file) },
        options: { tabSize: 2, insertSpaces: true },
      }),
    ).toEqual([]);
  });

  it("offers the hint's 'did you mean' as a quick fix, quotes kept for strings", async () => {
    const kef = fs.readFileSync(path.join(repoRoot, "fixtures/invalid/unknown-setting.kef"), "utf8");
    const file = path.join(dir, "unknown-setting.kef");
    const diagnostics = await client.open(file, kef);
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(file) },
      range: diagnostics[0]!.range,
      context: { diagnostics },
    });
    expect(actions.map((a) => a.edit!.changes![uri(file)]![0]!.newText).sort()).toEqual([
      "maxBufferedMessages",
      "sessionTimeoutMs",
    ]);
    const avro = fs.readFileSync(path.join(repoRoot, "fixtures/invalid/avro-unknown-type.kef"), "utf8");
    const avroFile = path.join(dir, "avro-unknown-type.kef");
    const avroDiagnostics = await client.open(avroFile, avro);
    const fixes = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(avroFile) },
      range: avroDiagnostics[0]!.range,
      context: { diagnostics: avroDiagnostics },
    });
    expect(fixes.map((a) => a.edit!.changes![uri(avroFile)]![0]!.newText)).toEqual([
      '"com.acme.Address"',
      '"com.acme.Address"',
    ]);
  });
});

describe("the .avsc project", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-avro-"));
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

  it("goes from a message type to its definition in the .avsc file, and shows its fields", async () => {
    const file = path.join(dir, "avro-files.kef");
    const text = fs.readFileSync(file, "utf8");
    expect(await client.open(file)).toEqual([]);
    const def = await client.request<Location[]>("textDocument/definition", {
      textDocument: { uri: uri(file) },
      position: at(text, ": Customer", 3),
    });
    expect(def).toHaveLength(1);
    expect(def[0]!.uri).toBe(uri(path.join(dir, "schemas/catalog.avsc")));
    const catalog = fs.readFileSync(path.join(dir, "schemas/catalog.avsc"), "utf8").split("\n");
    expect(catalog.slice(def[0]!.range.start.line, def[0]!.range.start.line + 3).join("\n")).toContain(
      '"name": "com.acme.crm.Customer"',
    );
    const hover = hoverText(
      await client.request<Hover>("textDocument/hover", {
        textDocument: { uri: uri(file) },
        position: at(text, ": Invoice", 3),
      }),
    );
    expect(hover).toContain("interface Invoice {");
    expect(hover).toMatch(/lines: \w+\[\];/);
    // A message read from an .avsc file: its fields from there.
    const customer = hoverText(
      await client.request<Hover>("textDocument/hover", {
        textDocument: { uri: uri(file) },
        position: at(text, ": Customer", 3),
      }),
    );
    expect(customer).toContain("interface Customer {");
    expect(customer).toContain("name: string;");
    expect(customer).toMatch(/address: \w+;/);
  });
});
