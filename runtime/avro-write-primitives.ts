// The Avro writing steps the compiled writers (runtime/avro-writer-source.ts) call rather than inline: the rare or
// long cases (big longs, long or non-ASCII strings, bytes, fixed, defaults' bytes, big-endian floats). Every writer
// here takes the position and returns the position after what it wrote. Past the end of the buffer nothing more is
// written but the position still advances, so that the caller learns the size needed: single bytes written past
// the end are dropped by the typed array, and every write of several bytes at once checks the end first.

/** The error a compiled writer throws for a value that does not fit its schema; the caller has avsc say why. */
export const MISFIT = new TypeError("the value does not fit the schema");

/** The zig-zag varint of an integer within ±2^52 (avsc's writeLong, with the same bytes). */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[pos] = m;
    return pos + 1;
  }
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  while (f >= 0x80) {
    buf[pos++] = (f % 0x80) | 0x80;
    f = Math.floor(f / 0x80);
  }
  buf[pos] = f;
  return pos + 1;
}

const TWO_52 = 2 ** 52;

/** kefgen's exact long (runtime/avro-codec.ts SafeLongType): any safe integer, BigInt arithmetic beyond ±2^52. */
export function writeLong(buf: Buffer, pos: number, value: unknown): number {
  if (!Number.isSafeInteger(value)) throw MISFIT;
  const n = value as number;
  return n > -TWO_52 && n < TWO_52 ? writeVarint(buf, pos, n) : writeBigVarint(buf, pos, BigInt(n));
}

function writeBigVarint(buf: Buffer, pos: number, n: bigint): number {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  do {
    let byte = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) byte |= 0x80;
    buf[pos++] = byte;
  } while (z > 0n);
  return pos;
}

/** Writes a float or double with the DataView-free `Buffer` methods (big-endian machines only; see the writers). */
export function writeFloatLE(buf: Buffer, pos: number, value: number): number {
  if (pos + 4 <= buf.length) buf.writeFloatLE(value, pos);
  return pos + 4;
}

export function writeDoubleLE(buf: Buffer, pos: number, value: number): number {
  if (pos + 8 <= buf.length) buf.writeDoubleLE(value, pos);
  return pos + 8;
}

/** Whether typed arrays are little-endian here (then the writers copy a Float64Array's bytes). */
export const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The longest string (in UTF-16 units) whose ASCII form has a one-byte length varint (zig-zag 2n < 128). */
export const SHORT_STRING = 63;

/** A string the inline ASCII loop did not finish (longer than SHORT_STRING, or not ASCII): UTF-8 by Node. */
export function writeString(buf: Buffer, pos: number, s: string): number {
  // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units; a lone surrogate: U+FFFD, 3 bytes).
  const most = s.length * 3;
  const reserved = varintSize(most);
  if (pos + reserved + most <= buf.length) {
    const length = utf8Write(buf, s, pos + reserved, most);
    const needed = varintSize(length);
    if (needed < reserved) buf.copyWithin(pos + needed, pos + reserved, pos + reserved + length);
    return writeVarint(buf, pos, length) + length;
  }
  // Near or past the end of the buffer: the exact size first.
  const length = Buffer.byteLength(s, "utf8");
  pos = writeVarint(buf, pos, length);
  if (pos + length <= buf.length) utf8Write(buf, s, pos, length);
  return pos + length;
}

/**
 * Node's `Buffer#utf8Write` (present since Node 0.x, untyped in @types/node): `write` without its argument checks,
 * which cost more than the writing itself for short strings. Returns the bytes written.
 */
const utf8Write: (buf: Buffer, s: string, pos: number, max: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buf, s, pos, max) =>
        (buf as unknown as { utf8Write(s: string, pos: number, max: number): number }).utf8Write(s, pos, max)
    : (buf, s, pos, max) => buf.write(s, pos, max, "utf8");

/** Bytes of the zig-zag varint of a non-negative length. */
function varintSize(length: number): number {
  let z = length * 2;
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    size++;
  }
  return size;
}

/** `bytes`: the length, then the bytes. */
export function writeBytes(buf: Buffer, pos: number, value: unknown): number {
  if (!Buffer.isBuffer(value)) throw MISFIT;
  return writeRaw(buf, writeVarint(buf, pos, value.length), value);
}

/** A `fixed` of `size` bytes. */
export function writeFixed(buf: Buffer, pos: number, value: unknown, size: number): number {
  if (!Buffer.isBuffer(value) || value.length !== size) throw MISFIT;
  return writeRaw(buf, pos, value);
}

/** Bytes as they are (a default's encoding). */
export function writeRaw(buf: Buffer, pos: number, bytes: Buffer): number {
  if (pos + bytes.length <= buf.length) buf.set(bytes, pos);
  return pos + bytes.length;
}

/** The helpers compiled writers call, by the names their text uses (runtime/avro-writer-source.ts). */
export const writeHelpers = {
  MISFIT,
  writeBytes,
  writeDoubleLE,
  writeFixed,
  writeFloatLE,
  writeLong,
  writeRaw,
  writeString,
  writeVarint,
} as const;
