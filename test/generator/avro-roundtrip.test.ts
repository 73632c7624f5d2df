// The generated codecs against the generated types, for every message of every valid fixture: random values
// (avsc's Type.random()) are encoded and decoded by the generated codec and compared deeply, the decoded value
// encodes back to the same bytes, and it matches the message's generated TypeScript type — checked value by value
// against the type the TypeScript compiler sees in the golden output (Date is a Date, bigint a bigint, a wrapped
// union branch an object with exactly that key, no field the type does not declare, ...).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import type { AvroCodec } from "../../runtime/avro-codec.js";
import { repoRoot, validCases } from "../../scripts/snapshots.js";

const SAMPLES = 200;

const cases = validCases()
  .map((c) => ({ name: c.name, codecs: path.join(repoRoot, c.expected, "codecs.ts") }))
  .filter((c) => fs.existsSync(c.codecs));

let program: ts.Program;
let checker: ts.TypeChecker;

beforeAll(() => {
  const config = ts.readConfigFile(path.join(repoRoot, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  program = ts.createProgram(
    cases.map((c) => c.codecs),
    { ...parsed.options, noEmit: true },
  );
  checker = program.getTypeChecker();
}, 120_000);

// A float is stored in 32 bits: avsc's random floats come back rounded to the nearest float32.
expect.addEqualityTesters([
  (a: unknown, b: unknown) => (typeof a === "number" && typeof b === "number" ? Object.is(a, b) || Math.fround(a) === b || Math.fround(b) === a : undefined),
]);

/** The message type `T` of each exported `Codec<T>` in a generated codecs.ts, by export name. */
function messageTypes(file: string): Map<string, ts.Type> {
  const sf = program.getSourceFile(file)!;
  const out = new Map<string, ts.Type>();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!)) {
    const codecType = checker.getTypeOfSymbolAtLocation(symbol, sf);
    const decode = codecType.getProperty("decode");
    if (!decode) continue;
    const signature = checker.getTypeOfSymbolAtLocation(decode, sf).getCallSignatures()[0]!;
    out.set(symbol.getName(), checker.getReturnTypeOfSignature(signature));
  }
  return out;
}

function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Buffer.isBuffer(value)) return `<Buffer ${value.toString("hex")}>`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 120) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Problems with `value` as a value of `type` (empty: it conforms). */
function conformance(value: unknown, type: ts.Type, at: string): string[] {
  const wrong = (what: string): string[] => [`${at}: ${show(value)} is not ${what}`];
  const f = type.flags;
  if (type.isUnion()) {
    return type.types.some((t) => conformance(value, t, at).length === 0) ? [] : wrong(checker.typeToString(type));
  }
  if (f & ts.TypeFlags.Null) return value === null ? [] : wrong("null");
  if (f & ts.TypeFlags.BooleanLiteral) return value === (checker.typeToString(type) === "true") ? [] : wrong(checker.typeToString(type));
  if (f & ts.TypeFlags.Boolean) return typeof value === "boolean" ? [] : wrong("a boolean");
  if (f & ts.TypeFlags.Number) return typeof value === "number" ? [] : wrong("a number");
  if (f & ts.TypeFlags.BigInt) return typeof value === "bigint" ? [] : wrong("a bigint");
  if (f & ts.TypeFlags.String) return typeof value === "string" ? [] : wrong("a string");
  if (f & ts.TypeFlags.StringLiteral) return value === (type as ts.StringLiteralType).value ? [] : wrong(checker.typeToString(type));
  if (!(f & ts.TypeFlags.Object)) return wrong(`a value of the unexpected type ${checker.typeToString(type)}`);
  const symbolName = type.getSymbol()?.getName();
  if (symbolName === "Date") return value instanceof Date && !Number.isNaN(value.getTime()) ? [] : wrong("a valid Date");
  if (symbolName === "Buffer") return Buffer.isBuffer(value) ? [] : wrong("a Buffer");
  if (checker.isArrayType(type)) {
    if (!Array.isArray(value)) return wrong("an array");
    const item = checker.getTypeArguments(type as ts.TypeReference)[0]!;
    return value.flatMap((v, i) => conformance(v, item, `${at}[${i}]`));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value) || value instanceof Date) return wrong(checker.typeToString(type));
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const property of checker.getPropertiesOfType(type)) {
    declared.add(property.getName());
    if (!Object.prototype.hasOwnProperty.call(record, property.getName())) {
      problems.push(`${at}.${property.getName()} is missing`);
      continue;
    }
    problems.push(...conformance(record[property.getName()], checker.getTypeOfSymbol(property), `${at}.${property.getName()}`));
  }
  const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  for (const key of Object.keys(record)) {
    if (declared.has(key)) continue;
    if (index) problems.push(...conformance(record[key], index, `${at}[${JSON.stringify(key)}]`));
    else problems.push(`${at}.${key} is not declared by ${checker.typeToString(type)}`);
  }
  if (Object.getPrototypeOf(record) === null) problems.push(`${at} has no prototype`);
  return problems;
}

describe("generated codecs round-trip random values and return their generated types", () => {
  it("finds codecs to test", () => {
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(["avro-types", "seed"]));
  });

  for (const c of cases) {
    it(`${c.name}: every codec`, async () => {
      const module = (await import(c.codecs)) as Record<string, AvroCodec<unknown>>;
      const types = messageTypes(c.codecs);
      expect([...types.keys()].sort()).toEqual(Object.keys(module).sort());
      for (const [name, codec] of Object.entries(module)) {
        const type = types.get(name)!;
        for (let i = 0; i < SAMPLES; i++) {
          const original: unknown = codec.type.random();
          const bytes = codec.encode(original);
          const decoded = codec.decode(bytes);
          expect(decoded, `${name}: decode(encode(random))`).toEqual(original);
          expect(codec.encode(decoded).equals(bytes), `${name}: encode(decode(bytes)) gives other bytes`).toBe(true);
          expect(conformance(decoded, type, name), `${name}: decoded value vs ${checker.typeToString(type)}`).toEqual([]);
        }
      }
    });
  }

  it("the conformance check can fail", () => {
    const module = fs.existsSync(path.join(repoRoot, "fixtures/valid/avro-types/expected/codecs.ts"));
    expect(module).toBe(true);
    const types = messageTypes(path.join(repoRoot, "fixtures/valid/avro-types/expected/codecs.ts"));
    const unions = types.get("unionsCodec")!;
    const base = { nullable: null, nullLast: "x", single: "s", onlyNull: null, scalars: 1, arrayOrMap: [1], smallOrBig: 1n, numbers: { int: 1 }, numbersOrNull: null, pet: null, catOrScores: { map: {} }, statusOrText: { string: "x" }, hashOrBytes: null };
    expect(conformance(base, unions, "u")).toEqual([]);
    expect(conformance({ ...base, numbers: 1 }, unions, "u")).toEqual([expect.stringContaining("u.numbers: 1 is not")]);
    expect(conformance({ ...base, smallOrBig: "1" }, unions, "u")).toHaveLength(1);
    expect(conformance({ ...base, extra: 1 }, unions, "u")).toEqual(["u.extra is not declared by Unions"]);
    const { single: _single, ...missing } = base;
    expect(conformance(missing, unions, "u")).toEqual(["u.single is missing"]);
  });
});
