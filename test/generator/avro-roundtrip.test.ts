// The generated codecs against the generated types, for every message of every valid fixture, as fast-check
// properties over values drawn by test/support/avro-arbitrary.ts (edges included: NaN, -0, exact longs beyond 2^52,
// 64-bit bigints, non-BMP strings, map key "__proto__", recursive types to a bounded depth): each value is encoded
// and decoded by the generated codec and compared deeply (-0 and NaN included), the decoded value encodes back to
// the same bytes, and it matches the message's generated TypeScript type — checked value by value against the type
// the TypeScript compiler sees in the golden output (Date is a Date, bigint a bigint, a wrapped union branch an
// object with exactly that key, no field the type does not declare, ...). The seed is fixed (KEFGEN_FC_SEED to
// change it); a failure prints it with the shrunk counterexample and the path to replay it.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { AvroCodec } from "../../runtime/avro-codec.js";
import { repoRoot, validCases } from "../../scripts/snapshots.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";

/** Values per message type (about 90 types: the file stays well under 30 s of CPU). */
const RUNS = 200;
const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);

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
    return (
      JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 120) ?? String(value)
    );
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
  if (f & ts.TypeFlags.BooleanLiteral)
    return value === (checker.typeToString(type) === "true") ? [] : wrong(checker.typeToString(type));
  if (f & ts.TypeFlags.Boolean) return typeof value === "boolean" ? [] : wrong("a boolean");
  if (f & ts.TypeFlags.Number) return typeof value === "number" ? [] : wrong("a number");
  if (f & ts.TypeFlags.BigInt) return typeof value === "bigint" ? [] : wrong("a bigint");
  if (f & ts.TypeFlags.String) return typeof value === "string" ? [] : wrong("a string");
  if (f & ts.TypeFlags.StringLiteral)
    return value === (type as ts.StringLiteralType).value ? [] : wrong(checker.typeToString(type));
  if (!(f & ts.TypeFlags.Object)) return wrong(`a value of the unexpected type ${checker.typeToString(type)}`);
  const symbolName = type.getSymbol()?.getName();
  if (symbolName === "Date")
    return value instanceof Date && !Number.isNaN(value.getTime()) ? [] : wrong("a valid Date");
  if (symbolName === "Buffer") return Buffer.isBuffer(value) ? [] : wrong("a Buffer");
  if (checker.isArrayType(type)) {
    if (!Array.isArray(value)) return wrong("an array");
    const item = checker.getTypeArguments(type as ts.TypeReference)[0]!;
    return value.flatMap((v, i) => conformance(v, item, `${at}[${i}]`));
  }
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    Buffer.isBuffer(value) ||
    value instanceof Date
  )
    return wrong(checker.typeToString(type));
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const property of checker.getPropertiesOfType(type)) {
    declared.add(property.getName());
    if (!Object.prototype.hasOwnProperty.call(record, property.getName())) {
      problems.push(`${at}.${property.getName()} is missing`);
      continue;
    }
    problems.push(
      ...conformance(record[property.getName()], checker.getTypeOfSymbol(property), `${at}.${property.getName()}`),
    );
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

describe("generated codecs round-trip drawn values and return their generated types (fast-check properties)", () => {
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
        fc.assert(
          fc.property(avroArbitrary(codec.type), (original) => {
            const bytes = codec.encode(original);
            const decoded = codec.decode(bytes);
            expect(decoded, `${name}: decode(encode(value))`).toEqual(original);
            expect(codec.encode(decoded).equals(bytes), `${name}: encode(decode(bytes)) gives other bytes`).toBe(true);
            expect(conformance(decoded, type, name), `${name}: decoded value vs ${checker.typeToString(type)}`).toEqual(
              [],
            );
          }),
          { seed: SEED, numRuns: RUNS },
        );
      }
    });
  }

  it("the conformance check can fail", () => {
    const module = fs.existsSync(path.join(repoRoot, "fixtures/valid/avro-types/expected/codecs.ts"));
    expect(module).toBe(true);
    const types = messageTypes(path.join(repoRoot, "fixtures/valid/avro-types/expected/codecs.ts"));
    const unions = types.get("unionsCodec")!;
    const base = {
      nullable: null,
      nullLast: "x",
      single: "s",
      onlyNull: null,
      scalars: 1,
      arrayOrMap: [1],
      smallOrBig: 1n,
      numbers: { int: 1 },
      numbersOrNull: null,
      pet: null,
      catOrScores: { map: {} },
      statusOrText: { string: "x" },
      hashOrBytes: null,
    };
    expect(conformance(base, unions, "u")).toEqual([]);
    expect(conformance({ ...base, numbers: 1 }, unions, "u")).toEqual([expect.stringContaining("u.numbers: 1 is not")]);
    expect(conformance({ ...base, smallOrBig: "1" }, unions, "u")).toHaveLength(1);
    expect(conformance({ ...base, extra: 1 }, unions, "u")).toEqual(["u.extra is not declared by Unions"]);
    const { single: _single, ...missing } = base;
    expect(conformance(missing, unions, "u")).toEqual(["u.single is missing"]);
  });
});
