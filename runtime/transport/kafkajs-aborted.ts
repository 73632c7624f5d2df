// kafkajs's read_committed filter, replaced. kafkajs 2.2.4 (its last release: the project is unmaintained) drops the
// records of aborted transactions in src/consumer/filterAbortedMessages.js, which has two faults:
// - it walks the fetch response's aborted-transaction list in the order it arrives, but the broker lists aborted
//   transactions in the order their abort markers were written (its transaction index), not by first offset: a
//   transaction that began before another and aborted after it is only switched on once a record reaches the other
//   one's first offset, and the records in between reach the handler;
// - it switches on at most one aborted transaction per record, so when a fetch starts inside two aborted
//   transactions (a restart or a rebalance in the middle of a stream), the second one's records leak.
// Both were seen against the broker: a killed exactly-once process's aborted transactions came out of a kafkajs
// read_committed consumer (docs/runtime.md, "Exactly-once"). The filter below is the consumer's algorithm as Java's
// client runs it (KIP-98): the aborted list sorted by first offset, every entry at or below a record switched on,
// its producer switched off by that producer's abort marker, transactional records of a switched-on producer dropped.
//
// kafkajs's batch.js takes the filter with `require('./filterAbortedMessages')` when it loads, so the replacement
// has to be in Node's CommonJS module cache before kafkajs's consumer modules load: the kafkajs transport imports
// this file before it imports kafkajs (ES modules evaluate in import order). When an application loaded kafkajs
// first (it passes its own `Kafka`), the replacement is too late; the transport then logs a warning saying so.

import Module, { createRequire } from "node:module";

/** The parts of a kafkajs message the filter reads. */
export interface FetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

/** One entry of a fetch response's aborted-transaction list. */
export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** A control record's key is a version (int16) and a type (int16): 0 = abort, 1 = commit. */
function isAbortMarker(message: FetchedMessage): boolean {
  const key = message.key;
  return key != null && key.length >= 4 && key.readInt16BE(2) === 0;
}

/**
 * The records of `messages` that are not part of an aborted transaction, control records included (kafkajs drops
 * those itself afterwards). `messages` are one partition's, in offset order.
 */
export function withoutAborted<M extends FetchedMessage>(
  messages: readonly M[],
  abortedTransactions: readonly AbortedTransaction[] | undefined,
): M[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return [...messages];
  const pending = [...abortedTransactions].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const aborting = new Set<string>();
  let next = 0;
  const kept: M[] = [];
  for (const message of messages) {
    while (next < pending.length && compareOffsets(pending[next]!.firstOffset, message.offset) <= 0) {
      aborting.add(String(pending[next]!.producerId));
      next++;
    }
    const producerId = String(message.batchContext.producerId);
    if (message.isControlRecord) {
      if (isAbortMarker(message)) aborting.delete(producerId);
      kept.push(message);
    } else if (!(message.batchContext.inTransaction && aborting.has(producerId))) {
      kept.push(message);
    }
  }
  return kept;
}

/** Compares two non-negative 64-bit offsets written as decimal strings (or numbers). */
function compareOffsets(a: string | number, b: string | number): number {
  const x = String(a);
  const y = String(b);
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/** Marks the replacement, so that a second copy of this module (another build of the runtime) recognises it. */
const REPLACEMENT = Symbol.for("kefgen.kafkajs.withoutAborted");

/** kafkajs's signature: `({ messages, abortedTransactions }) => messages`. */
const kafkajsFilter = Object.assign(
  (args: { messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[] }): FetchedMessage[] =>
    withoutAborted(args.messages, args.abortedTransactions),
  { [REPLACEMENT]: true },
);

/**
 * Whether kafkajs's consumer runs with {@link withoutAborted}: `replaced` when it does, `loaded-first` when kafkajs's
 * consumer modules were loaded before this file with kafkajs's own filter, `unknown-version` when the installed
 * kafkajs is not the 2.2.4 whose file this replaces (nothing is touched then).
 */
export type AbortedFilterState = "replaced" | "loaded-first" | "unknown-version";

const KAFKAJS_VERSION = "2.2.4";

function install(): AbortedFilterState {
  const require = createRequire(import.meta.url);
  let filterPath: string;
  let batchPath: string;
  try {
    if ((require("kafkajs/package.json") as { version: string }).version !== KAFKAJS_VERSION) return "unknown-version";
    filterPath = require.resolve("kafkajs/src/consumer/filterAbortedMessages.js");
    batchPath = require.resolve("kafkajs/src/consumer/batch.js");
  } catch {
    return "unknown-version";
  }
  const cached = require.cache[filterPath];
  if (cached) {
    if ((cached.exports as { [REPLACEMENT]?: boolean })[REPLACEMENT] === true) return "replaced";
    return require.cache[batchPath] ? "loaded-first" : swap();
  }
  return swap();

  function swap(): AbortedFilterState {
    const replacement = new Module(filterPath);
    replacement.filename = filterPath;
    replacement.exports = kafkajsFilter;
    replacement.loaded = true;
    require.cache[filterPath] = replacement;
    return "replaced";
  }
}

/** Set once, when this module is first evaluated (before kafkajs, see the top of the file). */
export const abortedFilterState: AbortedFilterState = install();

/** The warning the transport logs when the filter could not be replaced; undefined when it was. */
export function abortedFilterWarning(state: AbortedFilterState = abortedFilterState): string | undefined {
  switch (state) {
    case "replaced":
      return undefined;
    case "loaded-first":
      return (
        "kafkajs was loaded before kefgen's runtime, so its read_committed filter is kafkajs's own, which can hand " +
        "records of aborted transactions to handlers; import the generated code or kefgen/runtime before kafkajs"
      );
    case "unknown-version":
      return (
        `the installed kafkajs is not ${KAFKAJS_VERSION}, whose read_committed filter kefgen replaces (it can hand ` +
        "records of aborted transactions to handlers); kafkajs's own filter is used"
      );
  }
}
