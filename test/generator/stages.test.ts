// The front-end stages one by one (generator/load.ts, bind.ts, check.ts, resolve.ts): each takes the previous
// stage's output, and a diagnostic takes its file from the declaration it is about.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bind } from "../../generator/bind.js";
import { check } from "../../generator/check.js";
import { readProjectFile } from "../../generator/files.js";
import { load, type ParsedFile } from "../../generator/load.js";
import { parse } from "../../generator/parse.js";
import { resolve } from "../../generator/resolve.js";

const schema = (name: string) =>
  `{ "type": "record", "name": "${name}", "fields": [{ "name": "id", "type": "string" }] }`;
const host = { readFile: () => undefined, displayPath: (p: string) => p };

function parsed(file: string, text: string): ParsedFile {
  const source = { file, absolutePath: `/virtual/${file}`, text };
  const result = parse(source);
  expect(result.diagnostics).toEqual([]);
  return { ast: result.value, source };
}

describe("bind", () => {
  it("keeps the first declaration of each name, with its file, and reports the second at its name, pointing at the first", () => {
    const a = parsed(
      "a.kef",
      `namespace shop\nmessage Order avro ${schema("Order")}\nconnection slow exclusive { groupId = "s" }\ntopic "orders" : Order`,
    );
    const b = parsed(
      "b.kef",
      `message Order avro ${schema("Order")}\nshared { groupId = "g" }\ntopic "orders" : Order\nconnection slow exclusive { groupId = "t" }`,
    );
    const { value, diagnostics } = bind([a, b]);
    expect([...value.messages.keys()]).toEqual(["Order"]);
    expect(value.messages.get("Order")).toMatchObject({ source: { file: "a.kef" }, namespace: "shop" });
    expect(value.topics.get("orders")!.source.file).toBe("a.kef");
    expect(value.connections.get("slow")!.source.file).toBe("a.kef");
    expect(value.shared?.source.file).toBe("b.kef");
    expect(diagnostics.map((d) => [d.code, d.file, d.message, d.related?.[0]?.file, d.related?.[0]?.message])).toEqual([
      ["KEF2003", "b.kef", 'message "Order" is declared twice', "a.kef", 'message "Order" is first declared here'],
      ["KEF2004", "b.kef", 'topic "orders" is declared twice', "a.kef", 'topic "orders" is first declared here'],
      ["KEF2005", "b.kef", 'connection "slow" is declared twice', "a.kef", 'connection "slow" is first declared here'],
    ]);
  });
});

describe("check and resolve", () => {
  it("point each diagnostic into the file of its declaration, whatever file was checked before", () => {
    const a = parsed("a.kef", `message Order avro ${schema("Order")}\ntopic "orders" : Order { consumer via nowhere }`);
    const b = parsed(
      "b.kef",
      `shared { groupId = "g" }\nconnection idle exclusive { groupId = "i" }\ntopic "alerts" : Alert`,
    );
    const bound = bind([a, b]);
    const checked = check(bound.value, host);
    expect(checked.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ["KEF2002", "a.kef"], // unknown connection "nowhere", in the topic of a.kef
      ["KEF2001", "b.kef"], // unknown message type "Alert", in the topic of b.kef
    ]);
    // Unused-connection warnings wait for the typo to be fixed (it may be the missing user of the connection).
    expect(checked.diagnostics.some((d) => d.code === "KEF2016")).toBe(false);
  });

  it("hand the checked topics and connections to resolve, which names the API and the types", () => {
    const a = parsed(
      "a.kef",
      `namespace shop.events\nmessage Order avro ${schema("Order")}\nshared { groupId = "g" }\ntopic "orders" : Order`,
    );
    const bound = bind([a]);
    const checked = check(bound.value, host);
    expect(checked.diagnostics).toEqual([]);
    expect(checked.value.topics.map((t) => t.declared.node.topic.value)).toEqual(["orders"]);
    expect(checked.value.connections.map((k) => [k.name, k.groupId, k.topics.length])).toEqual([["shared", "g", 1]]);
    const model = resolve(checked.value);
    expect(model.diagnostics).toEqual([]);
    expect(model.value.apiName).toBe("ShopEvents");
    expect(model.value.typeNames.get("Order")).toBe("Order");
    expect(model.value.connections[0]!.settings.groupId).toBe("g");
    expect(resolve(checked.value, { name: "orders-api" }).value.apiName).toBe("OrdersApi");
  });
});

describe("load", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-load-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("expands patterns, reads and parses each file once, and says what it could not find", () => {
    fs.mkdirSync(path.join(dir, "kef"));
    fs.writeFileSync(path.join(dir, "kef", "b.kef"), 'message B avro { "type": "string" }\n');
    fs.writeFileSync(path.join(dir, "kef", "a.kef"), "message A avro {\n");
    const loaded = load({
      inputs: ["kef/*.kef", "kef/b.kef", "none/*.kef", "missing.kef"],
      cwd: dir,
      readFile: (p) => readProjectFile(p),
    });
    expect(loaded.files.map((f) => f.source.file)).toEqual(["kef/a.kef", "kef/b.kef"]);
    expect(loaded.inputs.map((f) => path.relative(dir, f))).toEqual(["kef/a.kef", "kef/b.kef", "missing.kef"]);
    expect(loaded.syntaxErrors).toBe(true);
    expect(loaded.complete).toBe(false);
    const codes = loaded.diagnostics.map((d) => [d.code, d.file]);
    expect(codes).toContainEqual(["KEF4001", "none/*.kef"]);
    expect(codes).toContainEqual(["KEF4001", "missing.kef"]);
    expect(loaded.diagnostics.some((d) => d.code.startsWith("KEF1") && d.file === "kef/a.kef")).toBe(true);
  });
});
