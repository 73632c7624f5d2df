/**
 * A small loopback TCP proxy that a test controls, for network faults: every connection to `port` is piped to
 * `target`.
 * - `blackhole()` drops all traffic in both directions without closing any socket (bytes read meanwhile are
 *   discarded, as a lossy network would), and new connections are accepted but forward nothing; `heal()` forwards
 *   again. (The fault matrix's black-hole scenario.)
 * - `cutAfterNextProduce(ms)`: the next Produce request a client sends reaches the broker, its answer does not, and
 *   `ms` later that connection is closed at both ends: a request written but not acknowledged.
 */
import type { LocalBroker } from "../../scripts/kafka/local-broker.js";
import { startBrokerBehind, startLoopbackProxy } from "./loopback-proxy.js";

/** A running proxy. */
export interface BlackholeProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes discarded while black-holed. */
  readonly dropped: number;
  /** Connections closed by {@link cutAfterNextProduce} so far. */
  readonly cuts: number;
  /** Produce requests clients sent through the proxy so far. */
  readonly produceRequests: number;
  blackhole(): void;
  heal(): void;
  cutAfterNextProduce(ms: number): void;
  close(): Promise<void>;
}

/** Kafka's api key of Produce requests. */
const PRODUCE = 0;

/**
 * Follows the requests a client writes (each an int32 size, then the request, which opens with its int16 api key)
 * across chunks, and calls `onRequest` with each one's api key as its start passes.
 */
function requestReader(onRequest: (apiKey: number) => void): (chunk: Buffer) => void {
  let remaining = 0; // bytes of the current request still to come
  let head = Buffer.alloc(0); // the start of a request whose size and api key are not complete yet
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - at);
        remaining -= take;
        at += take;
        continue;
      }
      const need = 6 - head.length;
      head = Buffer.concat([head, chunk.subarray(at, at + need)]);
      at += Math.min(need, chunk.length - at);
      if (head.length < 6) return;
      onRequest(head.readInt16BE(4));
      remaining = head.readInt32BE(0) - 2;
      head = Buffer.alloc(0);
    }
  };
}

/** Starts a proxy on 127.0.0.1 (`port`, or a free one) forwarding to 127.0.0.1:`targetPort`. */
export async function startBlackholeProxy(targetPort: number, port = 0): Promise<BlackholeProxy> {
  let dropping = false;
  let accepted = 0;
  let dropped = 0;
  let cutAfterMs: number | undefined;
  let cuts = 0;
  let produceRequests = 0;
  const proxy = await startLoopbackProxy(
    targetPort,
    (client, upstream, destroy) => {
      accepted++;
      let cutting = false;
      const requests = requestReader((apiKey) => {
        if (apiKey === PRODUCE) produceRequests++;
        if (apiKey !== PRODUCE || cutAfterMs === undefined || cutting) return;
        cutting = true;
        cuts++;
        setTimeout(destroy, cutAfterMs);
        cutAfterMs = undefined;
      });
      client.on("data", (chunk: Buffer) => {
        if (dropping) {
          dropped += chunk.length;
          return;
        }
        // The request is forwarded whole: the cut starts with its answer.
        upstream.write(chunk);
        requests(chunk);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (dropping) dropped += chunk.length;
        else if (!cutting) client.write(chunk);
      });
    },
    port,
  );
  return {
    port: proxy.port,
    get accepted() {
      return accepted;
    },
    get dropped() {
      return dropped;
    },
    get cuts() {
      return cuts;
    },
    get produceRequests() {
      return produceRequests;
    },
    blackhole: () => void (dropping = true),
    heal: () => void (dropping = false),
    cutAfterNextProduce: (ms) => void (cutAfterMs = ms),
    close: () => proxy.close(),
  };
}

/** A dedicated single-node broker behind a black-hole proxy (see {@link startBrokerBehind}). */
export function startBrokerBehindProxy(
  stopped: (stop: () => Promise<unknown>) => void,
): Promise<{ proxy: BlackholeProxy; broker: LocalBroker; brokers: string[] }> {
  return startBrokerBehind((port) => startBlackholeProxy(port), stopped);
}
