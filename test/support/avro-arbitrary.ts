// avroArbitrary: a fast-check Arbitrary of the values of an Avro type, in the representation kefgen's generated types
// and codecs use (the header of runtime/avro-representation.ts): exact longs up to ±(2^53 − 1) as numbers and any 64-bit value
// as a bigint ("kefgen.long": "bigint"), decimals as strings with exactly `scale` digits, uuid as lowercase strings,
// date and timestamp-millis as Dates, duration as { months, days, milliseconds }, maps as plain objects whose keys
// ("__proto__" included) are own properties, unions bare or wrapped as { "<branch name>": value } exactly as the
// codec built them. It replaces avsc's Type.random(), whose shared LCG gives few distinct values (issue 8) and never
// reaches the edges (no NaN, no -0, no long beyond 2^31, no non-BMP character).
//
// Edge values are reachable on purpose: int/long bounds and the ±2^52 boundary where avsc's own long goes wrong,
// 64-bit bounds for bigints, NaN, ±Infinity and -0 for float and double (Avro's binary encoding keeps them), empty
// strings, bytes, arrays and maps, odd Unicode (non-BMP, combining marks, BOM, U+0000, bidi controls) and hostile
// keys ("__proto__", "constructor"). Recursive named types are bounded by `maxDepth`: every record, array and map
// spends one level, and at the bound only the branches and fields that can still end are drawn.
import avro from "avsc";
import fc from "fast-check";
import { avroType } from "../../runtime/avro-codec.js";
import { readLogicalType, type AvroLogicalType } from "../../runtime/avro-representation.js";

export interface AvroArbitraryOptions {
  /** How deep records, arrays and maps may nest (the bound for recursive named types). Default 6. */
  readonly maxDepth?: number;
  /** The most items of an array or entries of a map at the top; deeper containers get fewer. Default 5. */
  readonly maxLength?: number;
  /**
   * No NaN or ±Infinity in floats and doubles (-0 stays). For values that must pass through Avro's JSON encoding to
   * Java: the encoding has no spelling for them, and Java's JsonDecoder refuses the strings "NaN" and "Infinity".
   */
  readonly finiteFloats?: boolean;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;

/** Strings that have broken JavaScript object handling or UTF-8 code before. */
const ODD_STRINGS = [
  "",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "\u0000",
  "\uFEFF",
  "\u{1F600}",
  "e\u0301",
  "\u202Eabc",
  "\uFFFF",
  "\u{10FFFF}",
  "a\r\nb",
  '"\\/',
];

/**
 * Any Avro string: any code point but lone surrogates (UTF-8 cannot hold them, so no Avro writer can write one),
 * whole graphemes, and the odd strings above.
 */
export const avroString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_STRINGS) },
);

const safeLong: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 52,
      -(2 ** 52),
      2 ** 52 - 1,
      -(2 ** 52) + 1,
      -(2 ** 52) - 1,
      2 ** 31,
      -(2 ** 31) - 1,
      0,
      -1,
    ),
  },
);

const bigintLong: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n, 2n ** 53n, -(2n ** 53n) - 1n) },
);

/** NaN, ±Infinity and -0 (Avro's binary encoding keeps all four) come up often, not once in thousands of draws. */
const SPECIAL_FLOATS = [NaN, Infinity, -Infinity, -0, 0];
function floats(finite: boolean): { float: fc.Arbitrary<number>; double: fc.Arbitrary<number> } {
  const specials = finite ? [-0, 0] : SPECIAL_FLOATS;
  const constraints = finite ? { noNaN: true, noDefaultInfinity: true } : {};
  return {
    float: fc.oneof(
      { weight: 6, arbitrary: fc.float(constraints) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...specials, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45),
      },
    ),
    double: fc.oneof(
      { weight: 6, arbitrary: fc.double(constraints) },
      { weight: 1, arbitrary: fc.constantFrom(...specials, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE) },
    ),
  };
}

const uint32 = fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map(Number);

function hexUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const sign = unscaled < 0n ? "-" : "";
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A decimal within its precision, as the string kefgen represents it. */
function decimal(precision: number, scale: number): fc.Arbitrary<string> {
  const max = 10n ** BigInt(precision) - 1n;
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.bigInt({ min: -max, max }) },
      { weight: 1, arbitrary: fc.constantFrom(0n, max, -max, 1n, -1n) },
    )
    .map((n) => decimalText(n, scale));
}

function logical(type: avro.types.LogicalType): fc.Arbitrary<unknown> {
  const reading = readLogicalType(type.schema({ exportAttrs: true }));
  if (reading?.status !== "interpreted")
    throw new Error(`internal: ${type.typeName} is not a logical type kefgen interprets`);
  const l: AvroLogicalType = reading.logicalType;
  switch (l.name) {
    case "decimal":
      return decimal(l.precision, l.scale);
    case "uuid":
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map(hexUuid);
    case "date":
      return fc
        .integer({ min: -(MAX_DATE_MS / DAY_MS), max: MAX_DATE_MS / DAY_MS })
        .map((days) => new Date(days * DAY_MS + 0));
    case "timestamp-millis":
    case "local-timestamp-millis":
      return fc.date({ min: new Date(-MAX_DATE_MS), max: new Date(MAX_DATE_MS), noInvalidDate: true });
    case "duration":
      // fast-check's records have a null prototype now and then; kefgen's values are plain objects.
      return fc.record({ months: uint32, days: uint32, milliseconds: uint32 }, { noNullPrototype: true });
    default:
      // time-*, *-micros: kefgen reads them as their underlying type, and avsc builds no logical type for them.
      throw new Error(`internal: logical type ${l.name} has no own representation`);
  }
}

/** An object with these own properties; "__proto__" is defined, not assigned (which would set the prototype). */
function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key === "__proto__")
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/** Builds the arbitraries of one root type; each (type, depth) is built once, however often it is met. */
class Builder {
  private readonly built = new Map<avro.Type, Map<number, fc.Arbitrary<unknown> | null>>();

  private readonly floats: ReturnType<typeof floats>;

  constructor(
    private readonly maxLength: number,
    finiteFloats: boolean,
  ) {
    this.floats = floats(finiteFloats);
  }

  /** The arbitrary of `type` with `depth` container levels left, or null when no value of it fits in them. */
  of(type: avro.Type, depth: number): fc.Arbitrary<unknown> | null {
    let byDepth = this.built.get(type);
    if (!byDepth) this.built.set(type, (byDepth = new Map()));
    if (byDepth.has(depth)) return byDepth.get(depth)!;
    byDepth.set(depth, null); // a record met again at the same depth while building it: not (yet) buildable there
    const arbitrary = this.build(type, depth);
    byDepth.set(depth, arbitrary);
    return arbitrary;
  }

  private build(type: avro.Type, depth: number): fc.Arbitrary<unknown> | null {
    if (type instanceof avro.types.LogicalType) return logical(type);
    switch (type.typeName) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "int":
        return fc.oneof(
          { weight: 4, arbitrary: fc.integer() },
          { weight: 1, arbitrary: fc.constantFrom(INT_MIN, INT_MAX, 0, -1) },
        );
      case "long":
        return safeLong;
      case "abstract:long":
        return bigintLong;
      case "float":
        return this.floats.float;
      case "double":
        return this.floats.double;
      case "bytes":
        return fc.uint8Array({ maxLength: 32 }).map((a) => Buffer.from(a));
      case "string":
        return avroString;
      case "enum":
        return fc.constantFrom(...(type as avro.types.EnumType).symbols);
      case "fixed": {
        const size = (type as avro.types.FixedType).size;
        return fc.uint8Array({ minLength: size, maxLength: size }).map((a) => Buffer.from(a));
      }
      case "array": {
        const maxLength = this.lengthAt(depth);
        const items = depth > 0 && maxLength > 0 ? this.of((type as avro.types.ArrayType).itemsType, depth - 1) : null;
        return items ? fc.array(items, { maxLength }) : fc.constant([]);
      }
      case "map": {
        const maxLength = this.lengthAt(depth);
        const values = depth > 0 && maxLength > 0 ? this.of((type as avro.types.MapType).valuesType, depth - 1) : null;
        if (!values) return fc.constant({});
        return fc.uniqueArray(fc.tuple(avroString, values), { maxLength, selector: ([key]) => key }).map(objectOf);
      }
      case "record":
      case "error": {
        if (depth === 0) return null;
        const fields = (type as avro.types.RecordType).fields;
        const arbitraries: fc.Arbitrary<unknown>[] = [];
        for (const field of fields) {
          const arbitrary = this.of(field.type, depth - 1);
          if (!arbitrary) return null;
          arbitraries.push(arbitrary);
        }
        return fc.tuple(...arbitraries).map((values) => objectOf(fields.map((f, i) => [f.name, values[i]] as const)));
      }
      case "union:unwrapped":
      case "union:wrapped": {
        const wrapped = type.typeName === "union:wrapped";
        const branches: fc.Arbitrary<unknown>[] = [];
        for (const branch of (type as avro.types.UnwrappedUnionType).types) {
          const arbitrary = this.of(branch, depth);
          if (!arbitrary) continue;
          const name = branch.branchName!;
          branches.push(
            wrapped && branch.typeName !== "null" ? arbitrary.map((value) => objectOf([[name, value]])) : arbitrary,
          );
        }
        return branches.length > 0 ? fc.oneof(...branches) : null;
      }
      default:
        throw new Error(`internal: no arbitrary for Avro type ${type.typeName}`);
    }
  }

  /** Containers get shorter as they nest, so that a recursive type's values stay small. */
  private lengthAt(depth: number): number {
    return Math.min(this.maxLength, depth);
  }
}

/**
 * The arbitrary of the values of an Avro type (an avsc type built by `avroType`/`avroCodec`, or a schema, which is
 * built with `avroType`), in kefgen's representation. Throws when no value of the type fits in `maxDepth` levels.
 */
export function avroArbitrary<T = unknown>(
  typeOrSchema: avro.Type | object,
  options: AvroArbitraryOptions = {},
): fc.Arbitrary<T> {
  const type = avro.Type.isType(typeOrSchema) ? (typeOrSchema as avro.Type) : avroType(typeOrSchema);
  const maxDepth = options.maxDepth ?? 6;
  const arbitrary = new Builder(options.maxLength ?? 5, options.finiteFloats ?? false).of(type, maxDepth);
  if (!arbitrary)
    throw new Error(`no value of ${type.name ?? type.typeName} fits in ${maxDepth} levels of records, arrays and maps`);
  return arbitrary as fc.Arbitrary<T>;
}
