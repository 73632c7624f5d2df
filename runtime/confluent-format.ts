// Confluent-framed values: byte 0 is the magic byte 0, bytes 1–4 the writer schema's id (big-endian), then the
// Avro binary written with that *writer's* schema. The writer schema is fetched from the registry once per id,
// resolved against the reader's schema (the generated type) with avsc's resolver, and the resolver is kept per
// (writer id, reader type): this decoder belongs to one reader type, so its map is keyed by writer id.
//
// Writer types are built by `avroType`, with the same hooks as the reader (exact longs, logical types, maps whose
// "__proto__" key stays an own property), so every guarantee of bare Avro holds for framed records.

import avro from "avsc";
import { avroType, type AvroCodec } from "./avro-codec.js";
import { readerOf, type WriterResolver } from "./writer-resolver.js";
import type { Codec } from "./types.js";
import type { RecordHeaders } from "./transport/records.js";
import { DecodeError } from "./errors.js";
import { backoffDelay, type BackoffSettings } from "./backoff.js";
import { RegistryAnswerError, RegistryUnavailableError, type SchemaRegistryClient } from "./registry-client.js";

/** What a {@link ValueFormat} may ask of the runtime while it waits for an unreachable registry. */
export interface RegistryWait {
  /**
   * Called before each wait: the registry is unreachable (`attempt` 1, 2, …), the record is retried in `retryInMs`.
   */
  unavailable(error: RegistryUnavailableError, attempt: number, retryInMs: number): void;
  /** Waits `ms`; resolves `false` when the record was abandoned meanwhile (shutdown, partition revoked). */
  sleep(ms: number): Promise<boolean>;
}

/** Returned by {@link ValueFormat.decode} when the record was abandoned while waiting: it is neither done nor failed. */
export const ABANDONED: unique symbol = Symbol("kefgen.abandoned");

/**
 * What {@link ValueFormat.decode} returns while the record's writer schema is not known yet: `wait` fetches it (and
 * while the registry is unreachable, waits with bounded backoff, as long as it takes), then decodes.
 */
export class PendingDecode<T> {
  /** @param run fetches the writer schema, waiting through outages, and decodes. */
  constructor(private readonly run: (wait: RegistryWait) => Promise<T | typeof ABANDONED>) {}

  /** Resolves the value (or {@link ABANDONED}); rejects with a {@link DecodeError} for bytes that will never decode. */
  wait(wait: RegistryWait): Promise<T | typeof ABANDONED> {
    return this.run(wait);
  }
}

/** How a topic's record values are framed, beyond bare Avro. */
export interface ValueFormat<T> {
  /**
   * `routed`: a multi-type topic's route (runtime/routed-format.ts), which decodes each record as one of its types.
   * `deadLetter`: a dead-letter topic's reader (runtime/dead-letter-reader.ts), the original topic's format over it.
   */
  readonly kind: "confluent" | "singleObject" | "routed" | "deadLetter";
  /**
   * Decodes one value: synchronously once the writer schema is known (no allocation beyond the value, so the hot
   * path stays as fast as bare Avro), else a {@link PendingDecode}. Throws a {@link DecodeError} for bytes that
   * will never decode. `headers` are the record's (a multi-type topic's route may read its type there).
   */
  decode(value: Buffer, headers?: RecordHeaders): T | PendingDecode<T>;
}

/** How subjects are named (Confluent's subject name strategies); used in messages about a writer schema. */
export type SubjectStrategy = "topic" | "record" | "topicRecord";

/** Options of {@link confluentFormat}. */
export interface ConfluentFormatOptions {
  readonly registry: SchemaRegistryClient;
  /** The topic (for the subject name). */
  readonly topic: string;
  /** Default `topic`: `<topic>-value` (`<topic>-key` for keys). */
  readonly subjects?: SubjectStrategy;
  /** Whether this reads the records' values (default) or their keys: only the subject name differs. */
  readonly part?: "value" | "key";
  /** Backoff while the registry is unreachable (default 200 ms doubling to 10 s). */
  readonly retry?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

/** The subject of a value (or key) schema under a strategy. */
export function subjectName(
  strategy: SubjectStrategy,
  topic: string,
  recordName: string | undefined,
  part: "value" | "key" = "value",
): string {
  switch (strategy) {
    case "topic":
      return `${topic}-${part}`;
    case "record":
      return recordName ?? `${topic}-${part}`;
    case "topicRecord":
      return `${topic}-${recordName ?? part}`;
  }
}

/**
 * How one writer id is read by this decoder's reader type: directly (no resolver: writer = reader), through a
 * resolver, or never (`error`). One shape for all three, so that the per-record check is a field read.
 */
interface WriterReading {
  readonly resolver?: WriterResolver;
  readonly error?: DecodeError;
}

/** Backoff while the registry is unreachable, unless a format is given its own. */
export const DEFAULT_REGISTRY_RETRY: BackoffSettings = { initialDelayMs: 200, maxDelayMs: 10_000 };
const HEADER_BYTES = 5;

/**
 * A {@link ValueFormat} for Confluent-framed Avro, read as `codec`'s type (the generated type of the topic).
 * Build one per topic binding (generated wiring does).
 */
export function confluentFormat<T>(
  codec: Codec<T>,
  options: ConfluentFormatOptions,
): ValueFormat<T> & { readonly kind: "confluent" } {
  const maybe = (codec as Partial<AvroCodec<T>>).type;
  if (maybe === undefined || !avro.Type.isType(maybe))
    throw new TypeError(`confluentFormat of topic "${options.topic}" needs a codec made by avroCodec`);
  const reader: avro.Type = maybe;
  const readerText = JSON.stringify(reader.schema({ exportAttrs: true }));
  const readerName = reader.name ?? `Avro ${reader.typeName}`;
  const part = options.part ?? "value";
  const subject = subjectName(options.subjects ?? "topic", options.topic, reader.name, part);
  const retry = options.retry ?? DEFAULT_REGISTRY_RETRY;
  const readings = new Map<number, WriterReading>();
  const pending = new Map<number, Promise<WriterReading>>();
  // A topic is mostly written with one schema at a time: the last id read skips the map lookup.
  let lastId = -1;
  let lastReading: WriterReading | undefined;

  const read = (value: Buffer, reading: WriterReading, id: number): T => {
    if (reading.error) throw reading.error;
    let result: { value: unknown; offset: number };
    try {
      result = reader.decode(value, HEADER_BYTES, reading.resolver);
    } catch (error) {
      throw new DecodeError(
        `invalid ${readerName} payload written with schema id ${id}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (result.offset < 0)
      throw new DecodeError(`invalid ${readerName} payload written with schema id ${id}: truncated`);
    if (result.offset !== value.length)
      throw new DecodeError(
        `invalid ${readerName} payload written with schema id ${id}: ${value.length - result.offset} trailing bytes`,
      );
    return result.value as T;
  };

  const learn = async (id: number): Promise<WriterReading> => {
    let text: string;
    try {
      text = await options.registry.schemaById(id);
    } catch (error) {
      if (error instanceof RegistryAnswerError) {
        return {
          error: new DecodeError(
            `writer schema id ${id} is not in registry "${options.registry.name}": ${error.message}`,
            { cause: error },
          ),
        };
      }
      throw error;
    }
    let writer: avro.Type;
    try {
      writer = avroType(JSON.parse(text));
    } catch (error) {
      return {
        error: new DecodeError(
          `writer schema id ${id} of registry "${options.registry.name}" is not a schema kefgen can read: ${(error as Error).message}`,
          { cause: error },
        ),
      };
    }
    if (JSON.stringify(writer.schema({ exportAttrs: true })) === readerText) return {};
    try {
      return { resolver: readerOf(reader, writer) };
    } catch (error) {
      const where = await describeWriter(options.registry, id);
      const field = firstIncompatibility(reader, writer) ?? (error as Error).message;
      return {
        error: new DecodeError(
          `the writer schema (${where}) cannot be read as the reader schema ${readerName} (subject "${subject}"): ${field}`,
          { cause: error },
        ),
      };
    }
  };

  const wait = async (value: Buffer, id: number, w: RegistryWait): Promise<T | typeof ABANDONED> => {
    for (let attempt = 1; ; attempt++) {
      let shared = pending.get(id);
      if (!shared) {
        shared = learn(id);
        pending.set(id, shared);
        shared.then(
          (r) => {
            readings.set(id, r);
            pending.delete(id);
          },
          () => pending.delete(id),
        );
      }
      try {
        return read(value, await shared, id);
      } catch (error) {
        if (!(await waitOutRegistry(error, attempt, retry, w))) return ABANDONED;
      }
    }
  };

  return {
    kind: "confluent",
    decode(value) {
      const id = confluentSchemaId(value, part);
      if (id === lastId) return read(value, lastReading!, id);
      const known = readings.get(id);
      if (!known) return new PendingDecode((w) => wait(value, id, w));
      lastId = id;
      lastReading = known;
      return read(value, known, id);
    },
  };
}

/** The writer schema id of a Confluent-framed value (or key); a {@link DecodeError} for bytes that are not framed. */
export function confluentSchemaId(value: Buffer, part: "value" | "key" = "value"): number {
  if (value.length < HEADER_BYTES)
    throw new DecodeError(`a Confluent-framed ${part} needs at least ${HEADER_BYTES} bytes, got ${value.length}`);
  if (value[0] !== 0)
    throw new DecodeError(`not a Confluent-framed ${part}: the first byte is ${value[0]}, not the magic byte 0`);
  return value.readUInt32BE(1);
}

/**
 * One turn of waiting out an unreachable registry: reports it and sleeps attempt `attempt`'s backoff; any other
 * error is rethrown. Resolves `false` when the record was abandoned meanwhile.
 */
export async function waitOutRegistry(
  error: unknown,
  attempt: number,
  retry: BackoffSettings,
  w: RegistryWait,
): Promise<boolean> {
  if (!(error instanceof RegistryUnavailableError)) throw error;
  const retryInMs = backoffDelay(retry, attempt);
  w.unavailable(error, attempt, retryInMs);
  return w.sleep(retryInMs);
}

async function describeWriter(registry: SchemaRegistryClient, id: number): Promise<string> {
  try {
    const versions = await registry.versionsOfId(id);
    if (versions.length > 0)
      return `${versions.map((v) => `subject "${v.subject}" version ${v.version}`).join(", ")}, id ${id}`;
  } catch {
    // Best effort: the id alone still names the schema.
  }
  return `id ${id}`;
}

/** The path and reason of the first reader field that cannot be read from the writer, e.g. `field "total": …`. */
function firstIncompatibility(reader: avro.Type, writer: avro.Type, path = ""): string | undefined {
  const r = reader as avro.types.RecordType;
  const w = writer as avro.types.RecordType;
  if (reader.typeName === "record" && writer.typeName === "record") {
    const simple = (name: string) => name.slice(name.lastIndexOf(".") + 1);
    if (
      reader.name !== undefined &&
      writer.name !== undefined &&
      simple(reader.name) !== simple(writer.name) &&
      !(r.aliases ?? []).includes(writer.name)
    ) {
      return `${path || "the record"} is named ${writer.name} by the writer and ${reader.name} by the reader`;
    }
    for (const field of r.fields) {
      const names = [field.name, ...(field.aliases ?? [])];
      const written = w.fields.find((f) => names.includes(f.name));
      const at = path ? `${path}.${field.name}` : field.name;
      if (!written) {
        if (field.defaultValue() === undefined)
          return `field "${at}" is missing in the writer schema and has no default in the reader schema`;
        continue;
      }
      try {
        field.type.createResolver(written.type);
      } catch (error) {
        return firstIncompatibility(field.type, written.type, at) ?? `field "${at}": ${(error as Error).message}`;
      }
    }
    return undefined;
  }
  if (reader.typeName === "enum" && writer.typeName === "enum") {
    const symbols = (reader as avro.types.EnumType).symbols;
    const extra = (writer as avro.types.EnumType).symbols.filter((s) => !symbols.includes(s));
    if (extra.length > 0)
      return `${path ? `field "${path}"` : "the enum"}: the writer has symbol${extra.length > 1 ? "s" : ""} ${extra.join(", ")} the reader lacks, and the reader's enum has no default`;
  }
  return undefined;
}
