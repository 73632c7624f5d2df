// Linking schemas and the codecs' self-contained schemas (generator/avro-link.ts, avro-codec-schema.ts), and the
// generator's reading of the runtime's union rule (avro-values.ts), checked against the runtime itself.
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { codecSchema } from "../../generator/avro-codec-schema.js";
import { collectInto, linkSchemas } from "../../generator/avro-link.js";
import { readSchema } from "../../generator/avro-read.js";
import type { AvroNamed, AvroSchema, AvroType } from "../../generator/avro-types.js";
import { unionIsWrapped } from "../../generator/avro-values.js";
import type { Diagnostic } from "../../generator/diagnostics.js";
import { parseJsonDocument } from "../../generator/parse.js";
import { avroType } from "../../runtime/avro-codec.js";

function read(
  file: string,
  json: unknown,
  select?: string,
): { schema: AvroSchema | undefined; diagnostics: Diagnostic[] } {
  const text = JSON.stringify(json, null, 2);
  const parsed = parseJsonDocument({ file, absolutePath: `/${file}`, text });
  if (!parsed.value) throw new Error(`bad test JSON: ${JSON.stringify(parsed.diagnostics)}`);
  const at = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
  return readSchema({
    file,
    json: parsed.value,
    namespace: undefined,
    ...(select ? { select: { name: select, file: "test.kef", range: at } } : {}),
  });
}

function link(schemas: Record<string, unknown>): {
  named: AvroNamed[];
  problems: string[];
  lookup: (n: string) => AvroNamed | undefined;
  schemas: Map<string, AvroSchema>;
} {
  const problems: string[] = [];
  const messages = Object.entries(schemas).map(([name, json]) => {
    const { schema, diagnostics } = read(`${name}.avsc`, json);
    problems.push(...diagnostics.map((d) => d.message));
    return { name, schema: schema! };
  });
  const linking: Diagnostic[] = [];
  const named = linkSchemas(collectInto(linking), messages);
  problems.push(...linking.map((d) => d.message));
  const byName = new Map(named.map((t) => [t.fullName, t]));
  return { named, problems, lookup: (n) => byName.get(n), schemas: new Map(messages.map((m) => [m.name, m.schema])) };
}

const address = {
  type: "record",
  name: "Address",
  namespace: "com.acme.common",
  fields: [{ name: "city", type: "string" }],
};

describe("linking schemas", () => {
  it("defines a type from another message's schema where it is first used, naming its namespace explicitly", () => {
    const { problems, lookup, schemas } = link({
      Customer: {
        type: "record",
        name: "Customer",
        namespace: "com.acme.crm",
        fields: [{ name: "home", type: address }],
      },
      Invoice: {
        type: "record",
        name: "Invoice",
        namespace: "com.acme.billing",
        fields: [
          { name: "billTo", type: "com.acme.common.Address" },
          { name: "shipTo", type: "com.acme.common.Address" },
        ],
      },
    });
    expect(problems).toEqual([]);
    const json = codecSchema(schemas.get("Invoice")!, lookup);
    expect(json).toEqual({
      type: "record",
      name: "Invoice",
      namespace: "com.acme.billing",
      fields: [
        {
          name: "billTo",
          type: {
            type: "record",
            name: "Address",
            namespace: "com.acme.common",
            fields: [{ name: "city", type: "string" }],
          },
        },
        { name: "shipTo", type: "com.acme.common.Address" },
      ],
    });
    const type = avroType(json) as unknown as { fields: { type: avro.Type }[] };
    expect(type.fields.map((f) => f.type.name)).toEqual(["com.acme.common.Address", "com.acme.common.Address"]);
  });

  it('reads a name without a namespace in the enclosing namespace, and moves a null-namespace type with namespace ""', () => {
    const unknown = link({
      Plain: { type: "record", name: "Plain", fields: [{ name: "x", type: "int" }] },
      User: { type: "record", name: "User", namespace: "com.acme", fields: [{ name: "p", type: "Plain" }] },
    });
    expect(unknown.problems).toEqual(['unknown Avro type "com.acme.Plain"']);
    // Plain is written inside namespace com.acme, in the null namespace; Root (null namespace) uses it.
    const { problems, lookup, schemas } = link({
      Holder: {
        type: "record",
        name: "Holder",
        namespace: "com.acme",
        fields: [{ name: "p", type: { type: "record", name: "Plain", namespace: "", fields: [] } }],
      },
      Root: { type: "record", name: "Root", fields: [{ name: "p", type: "Plain" }] },
    });
    expect(problems).toEqual([]);
    expect(codecSchema(schemas.get("Root")!, lookup)).toEqual({
      type: "record",
      name: "Root",
      fields: [{ name: "p", type: { type: "record", name: "Plain", namespace: "", fields: [] } }],
    });
    expect(
      (avroType(codecSchema(schemas.get("Root")!, lookup)) as unknown as { fields: { type: avro.Type }[] }).fields[0]!
        .type.name,
    ).toBe("Plain");
  });

  it("defines a type used before its definition at the first use; the later definition becomes a use", () => {
    const { problems, lookup, schemas } = link({
      Box: {
        type: "record",
        name: "Box",
        fields: [
          { name: "first", type: "Item" },
          { name: "second", type: { type: "record", name: "Item", fields: [{ name: "n", type: "int" }] } },
        ],
      },
    });
    expect(problems).toEqual([]);
    expect(codecSchema(schemas.get("Box")!, lookup)).toEqual({
      type: "record",
      name: "Box",
      fields: [
        { name: "first", type: { type: "record", name: "Item", fields: [{ name: "n", type: "int" }] } },
        { name: "second", type: "Item" },
      ],
    });
  });

  it("treats identical definitions written differently as one type, and different ones as an error", () => {
    const same = link({
      A: { type: "record", name: "A", fields: [{ name: "addr", type: address }] },
      B: {
        type: "record",
        name: "B",
        fields: [
          {
            name: "addr",
            type: { type: "record", name: "com.acme.common.Address", fields: [{ type: "string", name: "city" }] },
          },
        ],
      },
    });
    expect(same.problems).toEqual([]);
    expect(same.named.map((t) => t.fullName)).toEqual(["A", "com.acme.common.Address", "B"]);
    const different = link({
      A: { type: "record", name: "A", fields: [{ name: "addr", type: address }] },
      B: {
        type: "record",
        name: "B",
        fields: [{ name: "addr", type: { ...address, fields: [{ name: "city", type: "bytes" }] } }],
      },
    });
    expect(different.problems).toEqual(['Avro type "com.acme.common.Address" is defined again, differently']);
  });

  it("picks the root named by #Name from a file of several types, and emits only what it uses", () => {
    const file = [
      address,
      { type: "record", name: "Unused", fields: [] },
      { type: "record", name: "com.acme.crm.Customer", fields: [{ name: "a", type: "com.acme.common.Address" }] },
    ];
    const { schema, diagnostics } = read("types.avsc", file, "Customer");
    expect(diagnostics).toEqual([]);
    const linking: Diagnostic[] = [];
    const named = linkSchemas(collectInto(linking), [{ name: "Customer", schema: schema! }]);
    expect(linking).toEqual([]);
    expect(named.map((t) => t.fullName)).toEqual(["com.acme.crm.Customer", "com.acme.common.Address"]);
    const lookup = (n: string) => named.find((t) => t.fullName === n);
    expect(codecSchema(schema!, lookup)).toEqual({
      type: "record",
      name: "com.acme.crm.Customer",
      fields: [{ name: "a", type: address }],
    });
  });
});

describe("the generator's union rule is the runtime's", () => {
  const named = [
    { type: "record", name: "R", fields: [] },
    { type: "record", name: "S", fields: [] },
    { type: "enum", name: "E", symbols: ["A"] },
    { type: "fixed", name: "F", size: 2 },
    { type: "fixed", name: "Dec", size: 4, logicalType: "decimal", precision: 9, scale: 2 },
    { type: "fixed", name: "Id", size: 16, logicalType: "uuid" },
    { type: "fixed", name: "Span", size: 12, logicalType: "duration" },
  ];
  const branches: unknown[] = [
    "null",
    "boolean",
    "int",
    "long",
    "float",
    "double",
    "bytes",
    "string",
    { type: "long", "kefgen.long": "bigint" },
    { type: "array", items: "int" },
    { type: "map", values: "int" },
    "R",
    "S",
    "E",
    "F",
    "Dec",
    "Id",
    "Span",
    { type: "int", logicalType: "date" },
    { type: "int", logicalType: "time-millis" },
    { type: "long", logicalType: "time-micros" },
    { type: "long", logicalType: "timestamp-millis" },
    { type: "long", logicalType: "timestamp-micros" },
    { type: "long", logicalType: "local-timestamp-millis" },
    { type: "bytes", logicalType: "decimal", precision: 4, scale: 1 },
    { type: "string", logicalType: "uuid" },
    { type: "string", logicalType: "unknown-one" },
    { type: "long", logicalType: "date" },
  ];
  // Every pair of branches (Avro allows one branch per type name), plus some triples.
  const unions: unknown[][] = [];
  const key = (b: unknown) => (typeof b === "string" ? b : (b as { type: string }).type);
  for (let i = 0; i < branches.length; i++) {
    for (let j = i + 1; j < branches.length; j++)
      if (key(branches[i]) !== key(branches[j])) unions.push([branches[i], branches[j]]);
  }
  unions.push(
    ["null", "R", { type: "long", logicalType: "timestamp-millis" }],
    ["null", "int", "string", "boolean", "bytes"],
    ["Dec", "string", "null"],
  );

  it(`decides like avroType for ${unions.length} unions`, () => {
    const disagreements: string[] = [];
    for (const union of unions) {
      const schema = {
        type: "record",
        name: "Holder",
        fields: [...named.map((t, i) => ({ name: `t${i}`, type: t })), { name: "u", type: union }],
      };
      const { schema: read_, diagnostics } = read("holder.avsc", schema);
      expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const lookupTable = new Map(read_!.named.map((t) => [t.fullName, t]));
      const root = read_!.root as Extract<AvroType, { kind: "record" }>;
      const u = root.fields.at(-1)!.type as Extract<AvroType, { kind: "union" }>;
      const generator = unionIsWrapped(u, (n) => lookupTable.get(n));
      const runtimeType = (avroType(schema) as unknown as { fields: { type: avro.Type }[] }).fields.at(-1)!.type;
      const runtime = runtimeType instanceof avro.types.WrappedUnionType;
      if (generator !== runtime)
        disagreements.push(`${JSON.stringify(union)}: generator ${generator}, runtime ${runtime}`);
    }
    expect(disagreements).toEqual([]);
  });

  it("wraps where two branches share a JavaScript type, and only there", () => {
    const wrapped = (union: unknown[]) =>
      avroType({
        type: "record",
        name: "H",
        fields: [...named.map((t, i) => ({ name: `t${i}`, type: t })), { name: "u", type: union }],
      }) as unknown as { fields: { type: avro.Type }[] };
    expect(wrapped(["null", "Dec", "int"]).fields.at(-1)!.type).toBeInstanceOf(avro.types.UnwrappedUnionType);
    expect(wrapped(["Dec", "string"]).fields.at(-1)!.type).toBeInstanceOf(avro.types.WrappedUnionType);
    expect(wrapped(["Span", "R"]).fields.at(-1)!.type).toBeInstanceOf(avro.types.WrappedUnionType);
  });
});
