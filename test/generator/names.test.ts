// Generated names (generator/names.ts): the checker knows every name the emitters write, so two things that would
// get one name are a diagnostic, never output that does not compile. The property test draws random declarations
// from pieces that collide after camel/Pascal casing and demands, for each: a diagnostic, or output that
// type-checks. KEF_NAMES_SEED=<seed> replays a run, KEF_NAMES_COUNT=<n> changes how many cases are tried.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import type ts from "typescript";
import { describe, expect, it } from "vitest";
import { bindTopic, type MessageHandler } from "kefgen/runtime";
import { projectOptions } from "../../generator/config.js";
import type { Diagnostic } from "../../generator/diagnostics.js";
import { emit, type GeneratedFile } from "../../generator/emit.js";
import { camelCase, pascalCase, type Model } from "../../generator/model.js";
import { apiNamesOf, emittedNames } from "../../generator/names.js";
import { parse } from "../../generator/parse.js";
import { analyse, checkFiles } from "../../generator/program.js";
import { repoRoot, validCases } from "../../scripts/snapshots.js";
import { compileInMemory, compileSnippets, diagnosticsOf } from "../support/typecheck.js";

/** Checks one in-memory .kef file (inline schemas only). */
function checkText(text: string, name = "case"): { diagnostics: Diagnostic[]; model: Model | undefined } {
  const source = { file: `${name}.kef`, absolutePath: path.join(repoRoot, `${name}.kef`), text };
  const parsed = parse(source);
  const checked = checkFiles([{ ast: parsed.value, source }], { readFile: () => undefined, displayPath: (p) => p });
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  return { diagnostics, model: parsed.diagnostics.length === 0 ? checked.value : undefined };
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error");

function generate(model: Model, label: string): Promise<GeneratedFile[]> {
  return emit(model, { runtimeImport: "kefgen/runtime", sourceLabels: [`${label}.kef`] });
}

/** Where a case's generated files live in the in-memory program (the directory need not exist). */
const caseDir = (name: string) => path.join(repoRoot, ".scratch", "names-test", name);

const record = (name: string) =>
  `message ${name} avro { "type": "record", "name": "${name}", "fields": [ { "name": "id", "type": "string" } ] }\n`;

describe("name collisions are diagnostics, with both locations", () => {
  const cases: { name: string; text: string; code: string; message: string; at: number; other: number }[] = [
    {
      name: "aliases orderEvents and OrderEvents",
      text:
        record("Order") +
        `shared { groupId = "g" }\ntopic "a" as orderEvents : Order\ntopic "b" as OrderEvents : Order\n`,
      code: "KEF2021",
      message: `the consumer class of topic "b" and the consumer class of topic "a" would both be named "OrderEventsConsumer" in the generated code`,
      at: 4,
      other: 3,
    },
    {
      name: "topic order-events and alias order_events",
      text:
        record("Order") + `shared { groupId = "g" }\ntopic "order-events" : Order\ntopic "b" as order_events : Order\n`,
      code: "KEF2021",
      message: `the consumer class of topic "b" and the consumer class of topic "order-events" would both be named "OrderEventsConsumer" in the generated code`,
      at: 4,
      other: 3,
    },
    {
      name: "messages FooBar and Foo_Bar",
      text:
        record("FooBar") + record("Foo_Bar") + `shared { groupId = "g" }\ntopic "a" : FooBar\ntopic "b" : Foo_Bar\n`,
      code: "KEF2021",
      message: `the codec of message "Foo_Bar" and the codec of message "FooBar" would both be named "fooBarCodec" in the generated code`,
      at: 2,
      other: 1,
    },
    {
      name: "a message named like a consumer class",
      text: record("OrdersConsumer") + `shared { groupId = "g" }\ntopic "orders" : OrdersConsumer\n`,
      code: "KEF2021",
      message: `the consumer class of topic "orders" and the type of message "OrdersConsumer" would both be named "OrdersConsumer" in the generated code`,
      at: 3,
      other: 1,
    },
    {
      name: "a message named like the handlers interface",
      text:
        `namespace probe\n` + record("ProbeHandlers") + `shared { groupId = "g" }\ntopic "orders" : ProbeHandlers\n`,
      code: "KEF2021",
      message: `the type of message "ProbeHandlers" and the handlers interface would both be named "ProbeHandlers" in the generated code`,
      at: 2,
      other: 1,
    },
    {
      name: "a message named like another message's codec",
      text:
        record("order") +
        record("orderCodec") +
        `shared { groupId = "g" }\ntopic "a" : order\ntopic "b" : orderCodec\n`,
      code: "KEF2021",
      message: `the type of message "orderCodec" and the codec of message "order" would both be named "orderCodec" in the generated code`,
      at: 2,
      other: 1,
    },
    {
      name: "a message named like the consumers factory, the API named after the file",
      text: record("createCaseConsumers") + `shared { groupId = "g" }\ntopic "a" : createCaseConsumers\n`,
      code: "KEF2021",
      message: `the type of message "createCaseConsumers" and the consumers factory would both be named "createCaseConsumers" in the generated code`,
      at: 1,
      other: 1,
    },
    {
      name: "an exclusive consumer named like the shared connection",
      text:
        record("Order") +
        `shared { groupId = "g" }\ntopic "a" : Order\ntopic "shared" : Order { consumer exclusive { groupId = "x" } }\n`,
      code: "KEF2015",
      message: `the exclusive consumer of topic "shared" would be named "shared", like the shared connection`,
      at: 4,
      other: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = errors(checkText(c.text).diagnostics);
      expect(found.map((d) => `${d.code}: ${d.message}`)).toEqual([`${c.code}: ${c.message}`]);
      expect(found[0]!.range.start.line).toBe(c.at);
      expect(found[0]!.related?.map((r) => r.range.start.line)).toEqual([c.other]);
    });
  }

  it("points into both files when the two names come from different files of a project", () => {
    const file = (name: string, text: string) => {
      const source = { file: name, absolutePath: path.join(repoRoot, name), text };
      return { ast: parse(source).value, source };
    };
    const a = file("a.kef", record("FooBar") + `shared { groupId = "g" }\ntopic "a" : FooBar\n`);
    const b = file("b.kef", `// b\n` + record("Foo_Bar") + `topic "b" : Foo_Bar\n`);
    const found = errors(checkFiles([a, b], { readFile: () => undefined, displayPath: (p) => p }).diagnostics);
    expect(
      found.map(
        (d) =>
          `${d.file}:${d.range.start.line} ${d.code} -> ${d.related?.map((r) => `${r.file}:${r.range.start.line}`).join()}`,
      ),
    ).toEqual(["b.kef:2 KEF2021 -> a.kef:1"]);
  });

  it("names that differ once cased are accepted, and their output compiles", async () => {
    const text =
      record("FooBar") +
      record("Foo_Baz") +
      `shared { groupId = "g" }\ntopic "order-events" : FooBar\ntopic "b" as orderEventsV2 : Foo_Baz\n`;
    const { diagnostics, model } = checkText(text);
    expect(errors(diagnostics)).toEqual([]);
    const files = await generate(model!, "case");
    const dir = caseDir("accepted");
    const program = compileInMemory(new Map(files.map((f) => [path.join(dir, f.name), f.text])));
    expect(files.flatMap((f) => diagnosticsOf(program, path.join(dir, f.name)))).toEqual([]);
  });
});

describe("handler names then and __proto__ are refused; other Object.prototype members work", () => {
  it("refuses then and __proto__ as handler names (KEF2022)", () => {
    const text = record("Order") + `shared { groupId = "g" }\ntopic "then" : Order\ntopic "b" as __proto__ : Order\n`;
    expect(errors(checkText(text).diagnostics).map((d) => `${d.range.start.line}: ${d.code} ${d.hint}`)).toEqual([
      `3: KEF2022 name it: topic "then" as thenTopic : ...`,
      `4: KEF2022 name it: topic "b" as protoTopic : ...`,
    ]);
  });

  it("why then: a handlers type with a callable then cannot be awaited or returned from an async function", () => {
    const file = caseDir("thenable.ts");
    const errs = compileSnippets(
      new Map([
        [
          "thenable" as const,
          {
            file,
            text: `import type * as kefgen from "kefgen/runtime";
              interface Order { id: string }
              interface Handlers { readonly then: kefgen.MessageHandler<Order>; readonly orders: kefgen.MessageHandler<Order> }
              export async function load(): Promise<Handlers> { return { then: () => {}, orders: () => {} }; }`,
          },
        ],
      ]),
    ).thenable;
    expect(errs).toContain(
      "TS1058: The return type of an async function must either be a valid promise or must not contain a callable 'then' member.",
    );
  });

  it("why then: at run time, awaiting such a handlers object calls the handler instead of giving the object", async () => {
    const calls: unknown[] = [];
    const handlers = {
      then: ((message: unknown) => void calls.push(message)) as MessageHandler<unknown>,
      orders: () => {},
    };
    const settled = await Promise.race([
      Promise.resolve(handlers).then(() => "resolved"),
      new Promise((r) => setTimeout(() => r("never settled"), 50)),
    ]);
    expect(settled).toBe("never settled");
    expect(typeof calls[0]).toBe("function"); // the promise's resolve function, passed as the "message"
  });

  it("why __proto__: a copy of the handlers object loses the handler, and binding it fails", () => {
    const handler: MessageHandler<string> = () => {};
    const literal = { __proto__: handler, orders: handler } as unknown as Record<string, unknown>;
    expect(Object.keys(literal)).toEqual(["orders"]);
    const copy = { ...literal };
    expect(() =>
      bindTopic({
        topic: "t",
        messageType: "T",
        codec: { encode: () => Buffer.alloc(0), decode: () => "" },
        buffer: { maxBufferedMessages: 1, concurrency: 1, backpressure: "ApplyBackpressure" },
        handler: copy["__proto__"] as never,
      }),
    ).toThrow(/neither a function nor a TopicConsumer/);
  });

  it("accepts constructor, toString and prototype as handler names, and then and prototype as message names: the API works", async () => {
    const text =
      `namespace probe\n` +
      record("then") +
      record("prototype") +
      `shared { groupId = "g" }\ntopic "a" as constructor : then\ntopic "b" as toString : prototype\ntopic "prototype" : then\n`;
    const { diagnostics, model } = checkText(text);
    expect(errors(diagnostics)).toEqual([]);
    const files = await generate(model!, "probe");
    const dir = caseDir("object-members");
    const use = (handlers: string) => `import * as gen from "./index.js";
      declare const kafka: { brokers: string[] };
      export async function load(): Promise<gen.ProbeHandlers> { return ${handlers}; }
      export const runtime = gen.createProbeConsumers(kafka, await load());`;
    const program = compileInMemory(
      new Map([
        ...files.map((f): [string, string] => [path.join(dir, f.name), f.text]),
        [
          path.join(dir, "use.ts"),
          use(
            `{ constructor: (m: gen.then) => void m.id, toString: (m: gen.prototype) => void m.id, prototype: async () => {} }`,
          ),
        ],
        [path.join(dir, "forgot.ts"), use(`{ constructor: (m: gen.then) => void m.id, prototype: async () => {} }`)],
      ]),
    );
    expect(files.flatMap((f) => diagnosticsOf(program, path.join(dir, f.name)))).toEqual([]);
    expect(diagnosticsOf(program, path.join(dir, "use.ts"))).toEqual([]);
    // The inherited toString does not stand in for a forgotten handler.
    expect(diagnosticsOf(program, path.join(dir, "forgot.ts")).join("\n")).toMatch(/TS2322[\s\S]*toString/);
  });
});

// ---------------------------------------------------------------------------------------------
// emittedNames is complete: it lists exactly what the generated modules export.

/** The names each generated module exports, and the handlers interface's properties, as the compiler sees them. */
function compiledNames(
  program: ts.Program,
  dir: string,
  model: Model,
): { exports: Record<string, string[]>; handlers: string[] } {
  const checker = program.getTypeChecker();
  const exportsOf = (file: string) => {
    const sf = program.getSourceFile(path.join(dir, file));
    if (!sf) throw new Error(`${file} is not in the program`);
    const symbol = checker.getSymbolAtLocation(sf);
    return symbol ? checker.getExportsOfModule(symbol) : [];
  };
  const exports: Record<string, string[]> = {};
  for (const file of ["messages.ts", "codecs.ts", "consumers.ts", "wiring.ts", "index.ts"])
    exports[file] = exportsOf(file)
      .map((s) => s.name)
      .sort();
  const handlersSymbol = exportsOf("wiring.ts").find((s) => s.name === apiNamesOf(model.apiName).handlers)!;
  const handlers = checker
    .getDeclaredTypeOfSymbol(handlersSymbol)
    .getProperties()
    .map((p) => p.name)
    .sort();
  return { exports, handlers };
}

function listedNames(model: Model): { exports: Record<string, string[]>; handlers: string[] } {
  const names = emittedNames(model);
  const exports: Record<string, string[]> = {};
  for (const file of ["messages.ts", "codecs.ts", "consumers.ts", "wiring.ts"])
    exports[file] = names
      .filter((n) => n.space === "export" && n.file === file)
      .map((n) => n.name)
      .sort();
  exports["index.ts"] = names
    .filter((n) => n.space === "export")
    .map((n) => n.name)
    .sort();
  return {
    exports,
    handlers: names
      .filter((n) => n.space === "handler")
      .map((n) => n.name)
      .sort(),
  };
}

describe("emittedNames", () => {
  it("lists exactly the names every valid fixture's generated files export", async () => {
    const files = new Map<string, string>();
    const models: { dir: string; model: Model }[] = [];
    for (const c of validCases()) {
      const project = projectOptions(
        { cwd: repoRoot },
        c.args[0] === "--config" ? [] : [c.args[0]!],
        c.args[0] === "--config" ? { config: c.args[1]! } : {},
      );
      if (!("inputs" in project)) throw new Error(`cannot load ${c.name}`);
      const { model } = analyse(project);
      const dir = path.join(repoRoot, c.expected);
      for (const f of fs.readdirSync(dir)) files.set(path.join(dir, f), fs.readFileSync(path.join(dir, f), "utf8"));
      models.push({ dir, model: model! });
    }
    const program = compileInMemory(files);
    for (const { dir, model } of models) expect(compiledNames(program, dir, model), dir).toEqual(listedNames(model));
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The property test

const seed = Number(process.env["KEF_NAMES_SEED"] ?? 20261201);
const count = Number(process.env["KEF_NAMES_COUNT"] ?? 200);

/** mulberry32: a small, fast, seedable PRNG. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces that collide with each other and with kefgen's own names once camel- or Pascal-cased. */
const pieces = [
  "Foo",
  "foo",
  "Foo_",
  "Bar",
  "bar",
  "_bar",
  "Order",
  "order",
  "Orders",
  "Events",
  "events",
  "Consumer",
  "Consumers",
  "Codec",
  "Handlers",
  "Connections",
  "Probe",
  "probe",
  "create",
  "then",
  "prototype",
];
/** Whole names that collide with what kefgen writes for the topics and namespaces below. */
const likely = [
  "FooBar",
  "Foo_Bar",
  "fooBar",
  "OrdersConsumer",
  "OrderEventsConsumer",
  "orderCodec",
  "order",
  "ProbeHandlers",
  "probeConnections",
  "createProbeConsumers",
  "OrdersHandlers",
  "orderEvents",
  "OrderEvents",
  "order_events",
  "__proto__",
  "constructor",
];
/** Names the generated files use locally: imported namespaces, parameters. */
const locals = ["messages", "codecs", "consumers", "kefgen", "handlers", "kafka", "options"];
/** Handler names besides those: members every object inherits, and names the checker refuses. */
const aliases = [
  ...likely,
  "constructor",
  "toString",
  "prototype",
  "then",
  "__proto__",
  "audit",
  "orders",
  "handlers",
  "kafka",
  "options",
];
const topicNames = [
  "order-events",
  "order_events",
  "order.events",
  "orderEvents",
  "OrderEvents",
  "orders",
  "foo-bar",
  "foo_bar",
  "foo.bar",
  "probe",
  "shared",
  "then",
  "audit",
  "codec",
  "orders-consumer",
];
const namespaces = [undefined, "probe", "orders", "foo.bar", "order_events", "create"];

function caseText(random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const word = () =>
    random() < 0.4
      ? pick(likely)
      : random() < 0.1
        ? pick(locals)
        : random() < 0.5
          ? pick(pieces)
          : pick(pieces) + pick(pieces);
  const lines: string[] = [];
  const ns = pick(namespaces);
  if (ns) lines.push(`namespace ${ns}`);
  const messages = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, word))];
  for (const m of messages) {
    const shape = random();
    if (shape < 0.15) lines.push(`message ${m} avro { "type": "string" }`);
    else if (shape < 0.45) {
      // A record with a named enum inside: the enum's type name is drawn from the same pieces.
      lines.push(
        `message ${m} avro { "type": "record", "name": "${word()}", "fields": [ { "name": "kind", "type": { "type": "enum", "name": "${word()}", "symbols": ["A"] } } ] }`,
      );
    } else
      lines.push(
        `message ${m} avro { "type": "record", "name": "${m}", "fields": [ { "name": "id", "type": "string" } ] }`,
      );
  }
  lines.push(`shared { groupId = "g" }`);
  const audit = random() < 0.3;
  if (audit) lines.push(`connection audit exclusive { groupId = "audit" }`);
  const topics = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(topicNames)))];
  topics.forEach((t, i) => {
    const alias = random() < 0.4 ? ` as ${random() < 0.5 ? pick(aliases) : word()}` : "";
    const consumer = random();
    const clause =
      consumer < 0.2
        ? ` { consumer exclusive { groupId = "x${i}" } }`
        : audit && consumer < 0.4
          ? ` { consumer via audit }`
          : "";
    lines.push(`topic "${t}"${alias} : ${pick(messages)}${clause}`);
  });
  return lines.join("\n") + "\n";
}

describe(`property: random declarations give a diagnostic or output that compiles (seed ${seed}, KEF_NAMES_SEED to replay)`, () => {
  it(`${count} cases`, async () => {
    const random = prng(seed);
    const files = new Map<string, string>();
    const compiled: { text: string; dir: string; model: Model }[] = [];
    const diagnosed = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const text = caseText(random);
      const { diagnostics, model } = checkText(text, `case${i}`);
      const found = errors(diagnostics);
      if (found.length > 0 || !model) {
        for (const d of found) diagnosed.set(d.code, (diagnosed.get(d.code) ?? 0) + 1);
        continue;
      }
      const dir = caseDir(`case${i}`);
      for (const f of await generate(model, `case${i}`)) files.set(path.join(dir, f.name), f.text);
      compiled.push({ text, dir, model });
    }
    const program = compileInMemory(files);
    for (const c of compiled) {
      const problems = ["messages.ts", "codecs.ts", "consumers.ts", "wiring.ts", "index.ts"].flatMap((f) =>
        diagnosticsOf(program, path.join(c.dir, f)).map((d) => `${f}: ${d}`),
      );
      expect(problems, `seed ${seed}, generated from:\n${c.text}`).toEqual([]);
      expect(compiledNames(program, c.dir, c.model), `seed ${seed}, generated from:\n${c.text}`).toEqual(
        listedNames(c.model),
      );
    }
    // Not vacuous: many cases compile, and many collide.
    expect(compiled.length).toBeGreaterThan(count / 5);
    expect((diagnosed.get("KEF2021") ?? 0) + (diagnosed.get("KEF2015") ?? 0)).toBeGreaterThan(count / 10);
  }, 120_000);
});

describe("camelCase and pascalCase", () => {
  /** The words as the casings first split them, with regular expressions (model.ts now splits in one pass). */
  const words = (text: string): string[] =>
    text
      .split(/[^A-Za-z0-9]+/)
      .flatMap((w) => w.split(/(?<=[a-z0-9])(?=[A-Z])/))
      .filter((w) => w.length > 0);
  const pascal = (text: string): string => {
    const out = words(text)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join("");
    return /^[0-9]/.test(out) ? `T${out}` : out;
  };
  const camel = (text: string): string => {
    const out = words(text)
      .map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1)))
      .join("");
    return /^[0-9]/.test(out) ? `topic${out[0]!.toUpperCase()}${out.slice(1)}` : out;
  };

  it("split words as the regular expressions do", () => {
    const examples = [
      "order-events",
      "OrderCreated",
      "fooBar9Baz",
      "HTTPServer",
      "a1B2c",
      "x__y",
      "9lives",
      "été-Ünï",
      "",
    ];
    for (const text of examples) {
      expect(pascalCase(text), text).toBe(pascal(text));
      expect(camelCase(text), text).toBe(camel(text));
    }
    const piece = fc.constantFrom("a", "Z", "b9", "Q", "0", "-", ".", "_", " ", "é", "É", "😀", "xY", "AB", "7c");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join("");
        expect(pascalCase(text)).toBe(pascal(text));
        expect(camelCase(text)).toBe(camel(text));
      }),
      { numRuns: 2000 },
    );
  });
});
