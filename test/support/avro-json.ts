// avroJsonText: a value in kefgen's representation (what avroArbitrary draws, what generated codecs decode to)
// written as Avro's JSON encoding of its *underlying* Avro value — the input the witnesses read (Java's JsonDecoder,
// fastavro through scripts/python/bare.py's conversion) before writing binary themselves. Written here from the
// representation documented at the top of runtime/avro-representation.ts, not with the codec, so that a witness's bytes
// decoding back to the drawn value says the codec agrees with the spec, not with itself.
//
// Avro's JSON encoding: bytes and fixed as strings of one character per byte (U+0000–U+00FF); a union value as
// null or { "<branch name>": value }; longs as exact integers (never through a double); and, beyond the spec but
// as Java's JsonDecoder and Python's float() read them, NaN and ±Infinity as the strings "NaN", "Infinity",
// "-Infinity", and -0 as -0.0.
import avro from "avsc";
import { readLogicalType } from "../../runtime/avro-representation.js";

const DAY_MS = 86_400_000;

function bytesText(buf: Buffer): string {
  return JSON.stringify(buf.toString("latin1"));
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return '"NaN"';
  if (n === Infinity) return '"Infinity"';
  if (n === -Infinity) return '"-Infinity"';
  if (Object.is(n, -0)) return "-0.0";
  return String(n);
}

function integerText(n: number | bigint): string {
  if (typeof n === "bigint") return n.toString();
  if (!Number.isSafeInteger(n)) throw new Error(`not an exact integer: ${n}`);
  return String(n);
}

function twosComplement(n: bigint, size?: number): Buffer {
  let bytes = size ?? 1;
  while (size === undefined && (n >= 1n << BigInt(8 * bytes - 1) || n < -(1n << BigInt(8 * bytes - 1)))) bytes++;
  const v = n < 0n ? (1n << BigInt(8 * bytes)) + n : n;
  return Buffer.from(v.toString(16).padStart(bytes * 2, "0"), "hex");
}

/** The underlying Avro value (number, string or bytes) of a logical type's value in kefgen's representation. */
export function underlyingValue(type: avro.types.LogicalType, value: unknown): number | string | Buffer {
  const schema = type.schema({ exportAttrs: true }) as { type: string; size?: number };
  const reading = readLogicalType(schema);
  if (reading?.status !== "interpreted")
    throw new Error(`internal: ${type.typeName} is not a logical type kefgen interprets`);
  const l = reading.logicalType;
  switch (l.name) {
    case "decimal": {
      const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value as string);
      if (!match || (match[3] ?? "").length !== l.scale)
        throw new Error(`not a decimal with scale ${l.scale}: ${String(value)}`);
      const unscaled = BigInt(`${match[1]}${match[2]}${match[3] ?? ""}`);
      return twosComplement(unscaled, schema.type === "fixed" ? schema.size : undefined);
    }
    case "uuid":
      return schema.type === "fixed" ? Buffer.from((value as string).replace(/-/g, ""), "hex") : (value as string);
    case "date":
      return (value as Date).getTime() / DAY_MS + 0;
    case "timestamp-millis":
    case "local-timestamp-millis":
      return (value as Date).getTime();
    case "duration": {
      const d = value as { months: number; days: number; milliseconds: number };
      const buf = Buffer.alloc(12);
      buf.writeUInt32LE(d.months, 0);
      buf.writeUInt32LE(d.days, 4);
      buf.writeUInt32LE(d.milliseconds, 8);
      return buf;
    }
    default:
      throw new Error(`internal: logical type ${l.name} has no own representation`);
  }
}

function logicalText(type: avro.types.LogicalType, value: unknown): string {
  const underlying = underlyingValue(type, value);
  if (Buffer.isBuffer(underlying)) return bytesText(underlying);
  return typeof underlying === "string" ? JSON.stringify(underlying) : integerText(underlying);
}

/** Whether `type` accepts `value` (avsc's checks of some types throw on a value of another JavaScript type). */
function accepts(type: avro.Type, value: unknown): boolean {
  try {
    return type.isValid(value);
  } catch {
    return false;
  }
}

/** Avro's JSON encoding of `value`, a value of `type` (built by avroType/avroCodec) in kefgen's representation. */
export function avroJsonText(type: avro.Type, value: unknown): string {
  if (type instanceof avro.types.LogicalType) return logicalText(type, value);
  switch (type.typeName) {
    case "null":
      return "null";
    case "boolean":
      return value ? "true" : "false";
    case "int":
    case "long":
    case "abstract:long":
      return integerText(value as number | bigint);
    case "float":
    case "double":
      return numberText(value as number);
    case "bytes":
    case "fixed":
      return bytesText(value as Buffer);
    case "string":
    case "enum":
      return JSON.stringify(value);
    case "array":
      return `[${(value as unknown[]).map((item) => avroJsonText((type as avro.types.ArrayType).itemsType, item)).join(",")}]`;
    case "map": {
      const values = (type as avro.types.MapType).valuesType;
      const entries = Object.keys(value as object).map(
        (k) => `${JSON.stringify(k)}:${avroJsonText(values, (value as Record<string, unknown>)[k])}`,
      );
      return `{${entries.join(",")}}`;
    }
    case "record":
    case "error": {
      const record = value as Record<string, unknown>;
      return `{${(type as avro.types.RecordType).fields.map((f) => `${JSON.stringify(f.name)}:${avroJsonText(f.type, record[f.name])}`).join(",")}}`;
    }
    case "union:wrapped":
    case "union:unwrapped": {
      if (value === null) return "null";
      const branches = (type as avro.types.UnwrappedUnionType).types;
      let branch: avro.Type | undefined;
      let inner: unknown = value;
      if (type.typeName === "union:wrapped") {
        const [name] = Object.keys(value as object);
        branch = branches.find((b) => b.branchName === name);
        inner = (value as Record<string, unknown>)[name!];
      } else {
        // An unwrapped union's branches each have their own JavaScript type: exactly one accepts the value.
        branch = branches.find((b) => b.typeName !== "null" && accepts(b, value));
      }
      if (!branch) throw new Error(`no branch of ${JSON.stringify(type.schema())} for this value`);
      return `{${JSON.stringify(branch.branchName)}:${avroJsonText(branch, inner)}}`;
    }
    default:
      throw new Error(`internal: no Avro JSON encoding for ${type.typeName}`);
  }
}
