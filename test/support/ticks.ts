/**
 * The record type of the runtime guarantee tests: a small Avro record with a sequence number. Shared
 * by the vitest side and the consumer child process (test/fault/consumer-process.ts), so it must not
 * import vitest.
 */
import { avroCodec } from "../../runtime/index.js";

/** One test record. */
export interface Tick {
  seq: number;
  source: string;
}

/** Avro codec of {@link Tick}. */
export const tickCodec = avroCodec<Tick>({
  type: "record",
  name: "Tick",
  namespace: "kefgen.test",
  fields: [
    { name: "seq", type: "int" },
    { name: "source", type: "string" },
  ],
});

/** Message type name used in bindings. */
export const TICK_TYPE = "kefgen.test.Tick";

/** `topic[partition]@offset`, the key the tests use for one record. */
export function recordKey(topic: string, partition: number, offset: number | string): string {
  return `${topic}[${partition}]@${offset}`;
}

/** A promise that resolves after `ms` milliseconds (handler work, never a test's success criterion). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
