// The connect deadline of a connection: kafkajs's own connect waits up to its request timeout (30 s)
// on a server that accepts and never answers, and then says only "Broker not connected". The runtime
// gives it `connectTimeoutMs`, then says which brokers it tried, why they failed, and what to check.

import net from "node:net";
import { BrokerUnreachableError, describeConnectFailure, type BrokerUnreachableReason } from "./errors.js";

/** Default of `connectTimeoutMs`: how long a connection's consumer may take to connect to a broker. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How long the diagnosis of an unanswered connect may take per broker (after the deadline). */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Runs `connect` (kafkajs's `consumer.connect()`) with a deadline. Resolves when it connected; rejects
 * with a {@link BrokerUnreachableError} when kafkajs gave up, or when `timeoutMs` passed first (then the
 * brokers are probed with a plain TCP connect, at most {@link PROBE_TIMEOUT_MS} more, to tell a refused
 * or unreachable address from a server that accepts and does not answer). A failure that is not about
 * reaching a broker (e.g. SASL) is rethrown as kafkajs reported it.
 */
export async function connectWithin(
  connect: () => Promise<void>,
  target: { connection: string; brokers: readonly string[]; timeoutMs: number },
): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">(
    (resolve) => (timer = setTimeout(() => resolve("timeout"), target.timeoutMs)),
  );
  const attempt = connect().then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const outcome = await Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
  if (outcome !== "timeout" && outcome.ok) return;
  const error = outcome === "timeout" ? undefined : outcome.error;
  const described = describeConnectFailure(error, outcome === "timeout");
  let reason = described.reason;
  const brokers = target.brokers.length > 0 ? [...target.brokers] : described.brokers;
  if (outcome === "timeout" && target.brokers.length > 0) reason = await probeAll(target.brokers);
  // Not about reaching a broker (SASL, TLS, a bug): kafkajs's own error says more than a guess would.
  if (reason === "other" && outcome !== "timeout") throw error;
  throw new BrokerUnreachableError({
    connection: target.connection,
    brokers,
    reason,
    elapsedMs: Date.now() - started,
    cause: error,
  });
}

/** The most telling reason over every broker: a silent server beats a refusal (it is the surprising one). */
async function probeAll(brokers: readonly string[]): Promise<BrokerUnreachableReason> {
  const reasons = await Promise.all(brokers.map((broker) => probe(broker)));
  const order: BrokerUnreachableReason[] = [
    "no answer",
    "connection timed out",
    "connection refused",
    "host not found",
    "other",
  ];
  return order.find((r) => reasons.includes(r)) ?? "no answer";
}

/** One TCP connect to `host:port`: accepted (so it did not answer as Kafka), refused, not found or timed out. */
function probe(broker: string): Promise<BrokerUnreachableReason> {
  const colon = broker.lastIndexOf(":");
  const host = colon > 0 ? broker.slice(0, colon).replace(/^\[|\]$/g, "") : broker;
  const port = colon > 0 ? Number(broker.slice(colon + 1)) : 9092;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason: BrokerUnreachableReason): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done("connection timed out"));
    socket.once("connect", () => done("no answer"));
    socket.once("error", (error) => done(describeConnectFailure(error, false).reason));
  });
}
