// Avro schema resolution (generator/compat.ts), change by change: the table's verdicts (which the Java witness
// confirms, see compat-java.test.ts), then what each incompatibility says and where it points.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { canRead, compare } from "../../generator/compat.js";
import avro from "avsc";
import { changes, repoRoot, side } from "../support/compat-table.js";

describe("the table of schema changes", () => {
  it("has at least 20 changes, each judged both ways", () => {
    expect(changes.length).toBeGreaterThanOrEqual(20);
    expect(new Set(changes.map((c) => c.change)).size).toBe(changes.length);
  });

  it("is shown in docs/language.md, row by row with its verdicts", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs/language.md"), "utf8");
    const verdict = (ok: boolean) => (ok ? "ok" : "**breaks**");
    const rows = doc
      .split("\n")
      .filter((l) => l.startsWith("| ") && (l.endsWith(" ok |") || l.endsWith(" **breaks** |")));
    expect(rows).toEqual(changes.map((c) => `| ${c.change} | ${verdict(c.backward)} | ${verdict(c.forward)} |`));
  });

  for (const c of changes) {
    it(`${c.change}: BACKWARD ${c.backward ? "ok" : "breaks"}, FORWARD ${c.forward ? "ok" : "breaks"}`, () => {
      const oldSide = side(c.old, "old.avsc");
      const newSide = side(c.new, "new.avsc");
      const backward = compare(newSide, oldSide);
      const forward = compare(oldSide, newSide);
      expect({ backward: backward.length === 0, forward: forward.length === 0 }).toEqual({
        backward: c.backward,
        forward: c.forward,
      });
      // The quick verdict agrees with the full explanation.
      expect({ backward: canRead(newSide, oldSide), forward: canRead(oldSide, newSide) }).toEqual({
        backward: c.backward,
        forward: c.forward,
      });
    });
  }
});

describe("avsc's resolver (the library the runtime resolves writer schemas with)", () => {
  // Plain avsc types: kefgen's own logical types (runtime/avro-codec.ts) decide their resolution themselves.
  const type = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, { registry: {} });
  it("agrees with every verdict of the table but one: it matches named types by full name (hence readerOf's simple-name retry)", () => {
    const resolves = (reader: unknown, writer: unknown): boolean => {
      try {
        type(reader).createResolver(type(writer));
        return true;
      } catch {
        return false;
      }
    };
    const disagreements = changes
      .map((c) => ({
        change: c.change,
        backward: resolves(c.new, c.old),
        forward: resolves(c.old, c.new),
        avro: [c.backward, c.forward],
      }))
      .filter((v) => v.backward !== v.avro[0] || v.forward !== v.avro[1])
      .map((v) => `${v.change}: avsc ${v.backward}/${v.forward}, Avro ${v.avro[0]}/${v.avro[1]}`);
    expect(disagreements).toEqual(["namespace changed: avsc false/false, Avro true/true"]);
  });
});

const rec = (fields: unknown[], name = "R", extra: Record<string, unknown> = {}) => ({
  type: "record",
  name,
  fields,
  ...extra,
});

describe("incompatibilities", () => {
  it("names the path into nested records, arrays and maps", () => {
    const item = (fields: unknown[]) => rec(fields, "Item");
    const oldS = rec(
      [
        { name: "items", type: { type: "array", items: item([{ name: "sku", type: "string" }]) } },
        { name: "tags", type: { type: "map", values: "int" } },
      ],
      "OrderCreated",
    );
    const newS = rec(
      [
        {
          name: "items",
          type: {
            type: "array",
            items: item([
              { name: "sku", type: "string" },
              { name: "price", type: "double" },
            ]),
          },
        },
        { name: "tags", type: { type: "map", values: "boolean" } },
      ],
      "OrderCreated",
    );
    const problems = compare(side(newS, "new.avsc"), side(oldS, "old.avsc"));
    expect(problems.map((p) => [p.kind, p.path, p.reason])).toEqual([
      [
        "missing-default",
        "OrderCreated.items[].price",
        `the reader's field "price" is not in the writer's record "Item" and has no default`,
      ],
      ["type", "OrderCreated.tags{}", "the writer's int cannot be read as boolean"],
    ]);
    // Each points at the reader's field (the new schema here) and the writer's nearest node.
    expect(problems[0]!.reader!.file).toBe("new.avsc");
    expect(problems[0]!.writer!.file).toBe("old.avsc");
  });

  it("points an enum symbol the reader lacks at that symbol in the writer", () => {
    const oldS = rec([{ name: "suit", type: { type: "enum", name: "Suit", symbols: ["SPADES"] } }]);
    const newS = rec([{ name: "suit", type: { type: "enum", name: "Suit", symbols: ["SPADES", "CLUBS"] } }]);
    const [p, ...more] = compare(side(oldS, "old.avsc"), side(newS, "new.avsc"));
    expect(more).toEqual([]);
    expect(p).toMatchObject({ kind: "enum-symbols", path: "R.suit", symbols: ["CLUBS"] });
    // In the JSON text printed by side(), "CLUBS" is on line 12.
    expect(p!.writer).toMatchObject({ file: "new.avsc", range: { start: { line: 12 } } });
  });

  it("explains a union branch the reader's union lacks, and a writer union the reader's type cannot take", () => {
    const narrowed = compare(
      side(rec([{ name: "v", type: ["null", "string"] }])),
      side(rec([{ name: "v", type: ["null", "string", "long"] }])),
    );
    expect(narrowed.map((p) => [p.kind, p.path, p.reason])).toEqual([
      ["union-branch", "R.v", `the writer's union branch long is not in the reader's union [null, string]`],
    ]);
    const unwrapped = compare(
      side(rec([{ name: "v", type: "string" }])),
      side(rec([{ name: "v", type: ["null", "string"], default: null }])),
    );
    expect(unwrapped.map((p) => [p.kind, p.reason])).toEqual([
      ["union-branch", "the writer's union branch null cannot be read as string"],
    ]);
  });

  it("looks inside the union branch resolution picks: a record in a union that gained a field", () => {
    const item = (fields: unknown[]) => rec(fields, "Item");
    const problems = compare(
      side(
        rec([
          {
            name: "p",
            type: [
              "null",
              item([
                { name: "a", type: "int" },
                { name: "b", type: "int" },
              ]),
            ],
          },
        ]),
      ),
      side(rec([{ name: "p", type: ["null", item([{ name: "a", type: "int" }])] }])),
    );
    expect(problems.map((p) => [p.kind, p.path])).toEqual([["missing-default", "R.p.b"]]);
  });

  it("says a record was renamed, and that an alias on the reader makes it match", () => {
    const [renamed] = compare(
      side(rec([], "Purchase", { namespace: "shop" })),
      side(rec([], "Order", { namespace: "shop" })),
    );
    expect(renamed).toMatchObject({
      kind: "name",
      reason: `the writer's record "shop.Order" is not the reader's "shop.Purchase" (names differ and no reader alias names "shop.Order")`,
    });
    // An alias without a dot is in the type's namespace.
    expect(
      compare(
        side(rec([], "Purchase", { namespace: "shop", aliases: ["Order"] })),
        side(rec([], "Order", { namespace: "shop" })),
      ),
    ).toEqual([]);
  });

  it("reports a fixed size change with both sizes", () => {
    const fixed = (size: number) => rec([{ name: "h", type: { type: "fixed", name: "Hash", size } }]);
    expect(compare(side(fixed(32)), side(fixed(16))).map((p) => p.reason)).toEqual([
      `the writer's fixed "Hash" has 16 bytes, the reader's 32`,
    ]);
  });

  it("rejects a reader field that matches two writer fields (its name and an alias)", () => {
    const problems = compare(
      side(rec([{ name: "a", type: "int", aliases: ["b"] }])),
      side(
        rec([
          { name: "a", type: "int" },
          { name: "b", type: "int" },
        ]),
      ),
    );
    expect(problems.map((p) => p.kind)).toEqual(["name"]);
  });

  it("terminates on mutually recursive types and reports a deep problem once", () => {
    const tree = (leafType: string) =>
      rec(
        [
          {
            name: "children",
            type: {
              type: "array",
              items: {
                type: "record",
                name: "Branch",
                fields: [
                  { name: "tree", type: "Tree" },
                  { name: "weight", type: leafType },
                ],
              },
            },
          },
        ],
        "Tree",
      );
    const problems = compare(side(tree("int")), side(tree("long")));
    expect(problems.map((p) => [p.kind, p.path])).toEqual([["type", "Tree.children[].weight"]]);
    expect(compare(side(tree("long")), side(tree("int")))).toEqual([]);
  });
});
