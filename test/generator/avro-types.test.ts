// The static types of decoded Avro values: snippets compiled against the golden output of the avro-* fixtures
// (with the project's strict settings) state, field by field, the exact TypeScript type each Avro type must have.
// `Equal<A, B>` holds only when A and B are identical (so each is assignable to the other, and neither is `any`).
// The expectations are written by hand from the Avro specification and the documented representation, not derived
// from the generator; avro-roundtrip.test.ts checks that the codec's values have these types at run time.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const prelude = `
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function same<_ extends true>(): void {}
declare const bytes: Buffer;
type Duration = { months: number; days: number; milliseconds: number };
`;

const snippets: Record<string, { fixture: string; text: string }> = {
  types: {
    fixture: "avro-types",
    text: `
import * as g from "./index.js";
const all = g.allTypesCodec.decode(bytes);
same<Equal<typeof all, g.AllTypes>>();
same<Equal<typeof all.nothing, null>>();
same<Equal<typeof all.flag, boolean>>();
same<Equal<typeof all.count, number>>();
same<Equal<typeof all.total, number>>();
same<Equal<typeof all.hugeId, bigint>>();
same<Equal<typeof all.explicitNumber, number>>();
same<Equal<typeof all.ratio, number>>();
same<Equal<typeof all.score, number>>();
same<Equal<typeof all.payload, Buffer>>();
same<Equal<typeof all.name, string>>();
same<Equal<typeof all.status, "ACTIVE" | "SUSPENDED" | "CLOSED">>();
same<Equal<typeof all.hash, Buffer>>();
same<Equal<typeof all.empty, Buffer>>();
same<Equal<typeof all.tags, string[]>>();
same<Equal<typeof all.matrix, number[][]>>();
same<Equal<typeof all.attributes, { [key: string]: string }>>();
same<Equal<typeof all.series, { [key: string]: number[] }>>();
same<Equal<typeof all.address, { street: string; zip: string | null }>>();
same<Equal<typeof all.previousAddresses, { street: string; zip: string | null }[]>>();
same<Equal<typeof all.failure, { reason: string }>>();
same<Equal<typeof all.retries, number>>();
same<Equal<typeof all.label, string>>();
same<Equal<typeof all.weight, number | null>>();
same<Equal<typeof all.fingerprint, Buffer>>();
same<Equal<typeof all.raw, Buffer>>();

const u = g.unionsCodec.decode(bytes);
same<Equal<typeof u.nullable, string | null>>();
same<Equal<typeof u.nullLast, string | null>>();
same<Equal<typeof u.single, string>>();
same<Equal<typeof u.onlyNull, null>>();
same<Equal<typeof u.scalars, null | number | string | boolean | Buffer>>();
same<Equal<typeof u.arrayOrMap, number[] | { [key: string]: number }>>();
same<Equal<typeof u.smallOrBig, number | bigint>>();
same<Equal<typeof u.numbers, { int: number } | { long: number }>>();
same<Equal<typeof u.numbersOrNull, null | { long: number } | { double: number }>>();
same<Equal<typeof u.pet, null | { "com.example.types.Cat": { lives: number } } | { "com.example.types.Dog": { good: boolean } }>>();
same<Equal<typeof u.catOrScores, { "com.example.types.Cat": { lives: number } } | { map: { [key: string]: number } }>>();
same<Equal<typeof u.statusOrText, { "com.example.types.Status": "ACTIVE" | "SUSPENDED" | "CLOSED" } | { string: string }>>();
same<Equal<typeof u.hashOrBytes, null | { "com.example.types.Md5": Buffer } | { bytes: Buffer }>>();

same<Equal<ReturnType<typeof g.snowflakeCodec.decode>, bigint>>();
same<Equal<ReturnType<typeof g.labelsCodec.decode>, string[]>>();
same<Equal<ReturnType<typeof g.countersCodec.decode>, { [key: string]: number }>>();
same<Equal<ReturnType<typeof g.verdictCodec.decode>, "ACCEPTED" | "REJECTED">>();

// Wrapped unions discriminate with "in"; bare ones with typeof.
function describePet(p: g.Unions["pet"]): string {
  if (p === null) return "none";
  return "com.example.types.Cat" in p ? String(p["com.example.types.Cat"].lives) : String(p["com.example.types.Dog"].good);
}
function describeSize(n: g.Unions["smallOrBig"]): string {
  return typeof n === "bigint" ? n.toString(16) : n.toFixed(0);
}
void describePet;
void describeSize;
`,
  },
  logical: {
    fixture: "avro-logical",
    text: `
import * as g from "./index.js";
const m = g.measurementsCodec.decode(bytes);
same<Equal<typeof m, g.Measurements>>();
same<Equal<typeof m.amount, string>>();
same<Equal<typeof m.wholeUnits, string>>();
same<Equal<typeof m.price, string>>();
same<Equal<typeof m.otherPrice, string>>();
same<Equal<typeof m.id, string>>();
same<Equal<typeof m.binaryId, string>>();
same<Equal<typeof m.day, Date>>();
same<Equal<typeof m.timeOfDayMillis, number>>();
same<Equal<typeof m.timeOfDayMicros, number>>();
same<Equal<typeof m.at, Date>>();
same<Equal<typeof m.atMicros, number>>();
same<Equal<typeof m.localAt, Date>>();
same<Equal<typeof m.localAtMicros, number>>();
same<Equal<typeof m.elapsed, Duration>>();
same<Equal<typeof m.maybeAt, Date | null>>();
same<Equal<typeof m.dayOrNote, Date | string>>();
same<Equal<typeof m.markerOrAt, null | { "com.example.logical.Marker": { label: string } } | { long: Date }>>();
same<Equal<typeof m.amountOrNote, { bytes: string } | { string: string }>>();
same<Equal<typeof m.idOrBytes, string | Buffer>>();
same<Equal<typeof m.history, Date[]>>();
same<Equal<typeof m.pricesByDay, { [key: string]: string }>>();
same<Equal<typeof m.country, string>>();
same<Equal<typeof m.epochSeconds, number>>();
same<Equal<typeof m.fee, string>>();
same<Equal<ReturnType<typeof g.instantCodec.decode>, Date>>();
same<Equal<ReturnType<typeof g.priceCodec.decode>, string>>();
`,
  },
  recursive: {
    fixture: "avro-recursive",
    text: `
import * as g from "./index.js";
const list = g.linkedListCodec.decode(bytes);
same<Equal<typeof list.value, number>>();
same<Equal<typeof list.next, g.LinkedList | null>>();
same<Equal<NonNullable<NonNullable<typeof list.next>["next"]>["value"], number>>();
const tree = g.treeCodec.decode(bytes);
same<Equal<typeof tree.children, null | string | g.Forest>>();
same<Equal<g.Forest["first"], g.Tree>>();
same<Equal<g.Forest["rest"], g.Forest | null>>();
const e = g.expressionCodec.decode(bytes);
same<Equal<
  typeof e.node,
  | { "com.example.recursive.Literal": { value: number } }
  | { "com.example.recursive.Variable": { name: string } }
  | { "com.example.recursive.Negate": { operand: g.Expression } }
  | { "com.example.recursive.Add": { left: g.Expression; right: g.Expression } }
>>();
const doc = g.documentCodec.decode(bytes);
same<Equal<typeof doc.value, null | boolean | number | string | { [key: string]: g.Document }>>();
`,
  },
  names: {
    fixture: "avro-names",
    text: `
import * as g from "./index.js";
const i = g.incidentCodec.decode(bytes);
same<Equal<typeof i.severity, "class" | "delete" | "null" | "NaN" | "Infinity">>();
same<Equal<typeof i.severity, g.Severity>>();
same<Equal<typeof i.alertSeverity, g.ShopAlertsSeverity>>();
same<Equal<g.ShopAlertsSeverity, "LOW" | "HIGH">>();
same<Equal<g.ShopAuditSeverity, "INFO" | "WARN">>();
same<Equal<typeof i.when, g.Date_>>();
same<Equal<g.Date_, { iso: string }>>();
same<Equal<typeof i.record, { id: string }>>();
same<Equal<typeof i.promise, { kept: boolean }>>();
same<Equal<typeof i.buffer, Buffer>>();
same<Equal<typeof i.kefgen, "A">>();
same<Equal<typeof i.klass, g.class_>>();
same<Equal<g.class_, { default: number }>>();
same<Equal<typeof i.consumer, g.IncidentsConsumerType>>();
same<Equal<typeof i.handlers, g.AvroNamesHandlersType>>();
same<Equal<typeof i.codec, g.severityCodecType>>();
same<Equal<[typeof i.order, typeof i.orderV1, typeof i.orderV1b], [g.Order, g.AcmeV1Order, g.AcmeV1Order2]>>();
same<Equal<typeof i.pets, null | { "a.Pet": g.Pet } | { "b.Pet": g.BPet }>>();
same<Equal<[typeof i.constructor, typeof i.toString, typeof i.hasOwnProperty, typeof i.then, typeof i.function], [string, string, number, string, boolean]>>();
// The generated names shadow nothing the module uses: the global Date and Buffer are still the built-ins.
const now: Date = new Date();
const raw: Buffer = Buffer.alloc(1);
void now;
void raw;
`,
  },
  files: {
    fixture: "avro-files",
    text: `
import * as g from "./index.js";
const o = g.orderCodec.decode(bytes);
same<Equal<typeof o.customer, g.Customer>>();
same<Equal<typeof o.customer.address.country, "DE" | "FR" | "US">>();
same<Equal<typeof o.lines, { sku: string; quantity: number; price: string }[]>>();
same<Equal<typeof o.shipTo, g.Address | null>>();
const inv = g.invoiceCodec.decode(bytes);
same<Equal<typeof inv.order, g.Order>>();
same<Equal<typeof inv.total, string>>();
same<Equal<ReturnType<typeof g.catalogEntryCodec.decode>, { "com.acme.common.Money": string } | { "com.acme.common.Address": g.Address } | { "com.acme.crm.Customer": g.Customer } | { "com.acme.sales.Order": g.Order }>>();
const s = g.shipmentCodec.decode(bytes);
same<Equal<typeof s.parcels, { weightGrams: number }[]>>();
same<Equal<typeof s.destination, g.Address>>();
const emp = g.employeeCodec.decode(bytes);
same<Equal<typeof emp.department, g.Department | null>>();
same<Equal<g.Department["head"], g.Employee | null>>();
`,
  },
  hostile: {
    fixture: "avro-hostile",
    text: `
import * as g from "./index.js";
const h = g.hostileCodec.decode(bytes);
same<Equal<typeof h, { text: string; level: "LOW" | "HIGH"; key: Buffer; amount: string }>>();
same<Equal<ReturnType<typeof g.inlineHostileCodec.decode>, { note: string; who: string }>>();
`,
  },
  // Proof that the checks can fail: each line states a wrong type.
  wrong: {
    fixture: "avro-types",
    text: `
import * as g from "./index.js";
const all = g.allTypesCodec.decode(bytes);
same<Equal<typeof all.total, bigint>>();
same<Equal<typeof all.weight, number>>();
same<Equal<typeof all.hash, Uint8Array>>();
same<Equal<g.Unions["numbers"], number>>();
same<Equal<typeof all.address, { street: string; zip?: string | null }>>();
`,
  },
};

let errors: Record<string, string[]>;

beforeAll(() => {
  const fileOf = (name: string) =>
    path.join(repoRoot, "fixtures/valid", snippets[name]!.fixture, "expected", `__avro_${name}.ts`);
  errors = compileSnippets(
    new Map(Object.keys(snippets).map((name) => [name, { file: fileOf(name), text: prelude + snippets[name]!.text }])),
    true,
  );
}, 120_000);

describe("static types of decoded Avro values", () => {
  for (const name of Object.keys(snippets).filter((n) => n !== "wrong")) {
    it(`${snippets[name]!.fixture}: every field has its exact type`, () => {
      expect(errors[name]).toEqual([]);
    });
  }

  it("a wrong expectation does not compile (one error per wrong line)", () => {
    const lines = (prelude + snippets["wrong"]!.text).split("\n");
    const wrongLines = lines.flatMap((l, i) => (l.startsWith("same<") ? [i + 1] : []));
    expect(wrongLines).toHaveLength(5);
    expect(errors["wrong"]!.map((e) => Number(e.split(":")[0]))).toEqual(wrongLines);
    for (const e of errors["wrong"]!) expect(e).toMatch(/TS2344/);
  });
});
