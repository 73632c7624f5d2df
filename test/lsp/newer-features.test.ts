// `kefgen lsp` over stdio on the newer language: multi-type topics (`topic "t" : A | B`, `route = ...`), key message
// types, producer blocks and exactly-once settings — completion, hover (effective values in a producer block),
// references, rename, definition, symbols and folding, on the multi-type, producers and exactly-once fixtures.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CompletionItem,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { repoRoot } from "../../scripts/snapshots.js";
import { settingsCatalogue } from "../../generator/settings.js";
import { at, hoverText, labels, startServer, uri, type LspClient } from "../support/lsp.js";

let dir: string;
let client: LspClient;
const files: Record<"multi" | "producers" | "eos", string> = { multi: "", producers: "", eos: "" };
const text: Record<keyof typeof files, string> = { multi: "", producers: "", eos: "" };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-newer-"));
  for (const [key, fixture] of [
    ["multi", "multi-type"],
    ["producers", "producers"],
    ["eos", "exactly-once"],
  ] as const) {
    files[key] = path.join(dir, `${fixture}.kef`);
    text[key] = fs.readFileSync(path.join(repoRoot, "fixtures/valid", fixture, `${fixture}.kef`), "utf8");
    fs.writeFileSync(files[key], text[key]);
  }
  client = await startServer();
  for (const f of Object.values(files)) expect(await client.open(f)).toEqual([]);
});
afterAll(async () => {
  await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const req = <R>(method: string, file: string, position?: { line: number; character: number }, extra: object = {}) =>
  client.request<R>(method, { textDocument: { uri: uri(file) }, ...(position ? { position } : {}), ...extra });
const lineOf = (l: Location) => l.range.start.line;

describe("multi-type topics", () => {
  it("complete a message type after each '|', and route's two forms after 'route ='", async () => {
    const edited = `${text.multi}topic "more" : OrderCreated | Or`;
    await client.change(files.multi, edited);
    const types = await req<CompletionItem[]>("textDocument/completion", files.multi, at(edited, "| Or", 4, 0));
    expect(labels(types)).toEqual(["OrderCreated", "OrderCancelled", "OrderShipped"]);
    const third = `${text.multi}topic "more" : OrderCreated | OrderShipped | `;
    await client.change(files.multi, third);
    expect(
      labels(await req<CompletionItem[]>("textDocument/completion", files.multi, at(third, "OrderShipped | ", 15, 2))),
    ).toEqual(["OrderCreated", "OrderCancelled", "OrderShipped"]);
    const route = text.multi.replace('route = header("event-type")', "route = ");
    await client.change(files.multi, route);
    expect(
      labels(await req<CompletionItem[]>("textDocument/completion", files.multi, at(route, "route = ", 8))),
    ).toEqual(['header("$type")', "schema"]);
    expect(await client.change(files.multi, text.multi)).toEqual([]);
  });

  it("find the members' references, rename them, hover and go to definition on a member", async () => {
    const refs = await req<Location[]>(
      "textDocument/references",
      files.multi,
      at(text.multi, "message OrderCancelled", 9),
      {
        context: { includeDeclaration: false },
      },
    );
    // OrderCancelled is a member of the first and the third topic.
    const topicLine = (needle: string) => at(text.multi, needle).line;
    expect(refs.map(lineOf)).toEqual([topicLine('topic "multi-orders" '), topicLine('topic "multi-orders-framed"')]);
    const edit = await req<WorkspaceEdit>("textDocument/rename", files.multi, at(text.multi, "| OrderShipped", 3), {
      newName: "OrderSent",
    });
    // The declaration and the three topics that list it.
    expect(edit.changes![uri(files.multi)]!.map((e) => e.range.start.line)).toEqual([
      at(text.multi, "message OrderShipped").line,
      topicLine('topic "multi-orders" '),
      topicLine('topic "multi-order-events"'),
      topicLine('topic "multi-orders-framed"'),
    ]);
    const hover = hoverText(await req<Hover>("textDocument/hover", files.multi, at(text.multi, "| OrderShipped", 3)));
    expect(hover).toContain("interface OrderShipped {");
    expect(hover).toContain("carrier: string;");
    const def = await req<Location[]>("textDocument/definition", files.multi, at(text.multi, "| OrderCancelled", 3));
    expect(def.map(lineOf)).toEqual([at(text.multi, "message OrderCancelled").line]);
  });

  it("show a topic's types as its symbol's detail, and its route, consumer and producer blocks as children", async () => {
    const symbols = await req<DocumentSymbol[]>("textDocument/documentSymbol", files.multi);
    const topics = symbols.filter((s) => s.name.startsWith("topic"));
    expect(topics.map((t) => [t.name, t.detail])).toEqual([
      ['topic "multi-orders" as orders', "OrderCreated | OrderCancelled | OrderShipped"],
      ['topic "multi-order-events" as orderEvents', "OrderCreated | OrderShipped"],
      ['topic "multi-orders-framed" as framedOrders', "OrderCreated | OrderCancelled | OrderShipped"],
    ]);
    const outline = (s: DocumentSymbol): unknown =>
      s.children?.length ? { [s.name]: s.children.map(outline) } : `${s.name}${s.detail ? `=${s.detail}` : ""}`;
    expect(outline(topics[0]!)).toEqual({
      'topic "multi-orders" as orders': [{ consumer: ["deadLetter=default", "retryAttempts=1"] }, "producer"],
    });
    expect(outline(topics[1]!)).toEqual({
      'topic "multi-order-events" as orderEvents': ['route=header("event-type")', "producer"],
    });
    const folds = await req<FoldingRange[]>("textDocument/foldingRange", files.multi);
    // The consumer block of the first topic folds on its own.
    const consumer = at(text.multi, "  consumer {").line;
    expect(folds).toContainEqual({ startLine: consumer, endLine: consumer + 3 });
  });
});

describe("registries and aliases", () => {
  it("complete registry names after 'registry =', and at the top level with the aliases", async () => {
    const edited = text.multi.replace("registry = main", "registry = ");
    await client.change(files.multi, edited);
    const registries = await req<CompletionItem[]>(
      "textDocument/completion",
      files.multi,
      at(edited, "registry = ", 11),
    );
    expect(registries.map((c) => [c.label, c.detail])).toEqual([["main", "registry"]]);
    const top = `${text.multi}\n`;
    await client.change(files.multi, top);
    const all = await req<CompletionItem[]>(
      "textDocument/completion",
      files.multi,
      at(top, "\n\n", 1, top.split("\n\n").length - 2),
    );
    expect(all.filter((c) => c.detail === "topic alias").map((c) => c.label)).toEqual([
      "orders",
      "orderEvents",
      "framedOrders",
    ]);
    expect(all.filter((c) => c.detail === "registry").map((c) => c.label)).toEqual(["main"]);
    expect(await client.change(files.multi, text.multi)).toEqual([]);
  });

  it("rename a registry everywhere and an alias at its declaration (its uses are in the generated code)", async () => {
    const registry = await req<WorkspaceEdit>(
      "textDocument/rename",
      files.multi,
      at(text.multi, "registry = main", 12),
      {
        newName: "primary",
      },
    );
    expect(registry.changes![uri(files.multi)]!.map((e) => e.range.start.line)).toEqual([
      at(text.multi, "registry main").line,
      at(text.multi, "registry = main").line,
    ]);
    const prepared = await req<{ start: { line: number } } | null>(
      "textDocument/prepareRename",
      files.multi,
      at(text.multi, "as orderEvents", 4),
    );
    expect(prepared?.start.line).toBe(at(text.multi, "as orderEvents").line);
    const alias = await req<WorkspaceEdit>("textDocument/rename", files.multi, at(text.multi, "as orderEvents", 4), {
      newName: "events",
    });
    expect(alias.changes![uri(files.multi)]).toEqual([
      {
        range: { start: at(text.multi, "orderEvents :"), end: at(text.multi, "orderEvents :", 11) },
        newText: "events",
      },
    ]);
    // A new name that is not one word, or is a keyword, is refused (it would break every place it is written).
    for (const newName of ["two words", "topic", "9lives", ""])
      await expect(
        req("textDocument/rename", files.multi, at(text.multi, "as orderEvents", 4), { newName }),
        newName,
      ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("cannot be a name") });
    // Nothing to rename on a keyword.
    expect(await req("textDocument/prepareRename", files.multi, at(text.multi, "topic", 1, 1))).toBeNull();
  });
});

describe("producer blocks, key types and exactly-once settings", () => {
  it("hover in a producer block gives the effective value along default → shared → the producer block", async () => {
    const acks = hoverText(
      await req<Hover>("textDocument/hover", files.producers, at(text.producers, "acks = leader", 1)),
    );
    expect(acks).toContain("**acks**");
    expect(acks).toContain('**Effective value:** `leader` (from topic "producers-anonymous" producer)');
    const acksDefault = settingsCatalogue.find((s) => s.name === "acks")!.default;
    expect(acks).toContain(
      `default: \`${String(acksDefault)}\` → shared: – → topic "producers-anonymous" producer: \`leader\``,
    );
    const compression = hoverText(
      await req<Hover>("textDocument/hover", files.producers, at(text.producers, "compression = gzip", 1)),
    );
    expect(compression).toContain("**Effective value:** `gzip` (from shared)");
  });

  it("a message key type is a reference of its message", async () => {
    const refs = await req<Location[]>(
      "textDocument/references",
      files.producers,
      at(text.producers, "message OrderId", 9),
      {
        context: { includeDeclaration: false },
      },
    );
    expect(refs.map(lineOf)).toEqual([at(text.producers, "key OrderId").line]);
    expect(
      hoverText(await req<Hover>("textDocument/hover", files.producers, at(text.producers, "key OrderId", 5))),
    ).toContain("interface OrderId {");
    const symbols = await req<DocumentSymbol[]>("textDocument/documentSymbol", files.producers);
    const blobs = symbols.find((s) => s.name.startsWith('topic "producers-blobs"'))!;
    expect(blobs.children!.map((c) => [c.name, c.children!.map((s) => `${s.name}=${s.detail}`)])).toEqual([
      ["producer", ["acks=all", "maxInFlight=1"]],
    ]);
  });

  it("hover on exactly-once settings gives their effective values", async () => {
    const records = hoverText(
      await req<Hover>("textDocument/hover", files.eos, at(text.eos, "transactionMaxRecords = 500", 1)),
    );
    expect(records).toContain('**Effective value:** `500` (from topic "eos-refunds")');
    const once = hoverText(await req<Hover>("textDocument/hover", files.eos, at(text.eos, "exactlyOnce = true", 1, 1)));
    expect(once).toContain('**Effective value:** `true` (from topic "eos-orders")');
  });
});
