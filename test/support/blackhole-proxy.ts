/**
 * A small loopback TCP proxy that a test controls, for the network black-hole scenario of the fault
 * matrix: every connection to `port` is piped to `target`; `blackhole()` drops all traffic in both
 * directions without closing any socket (bytes read meanwhile are discarded, as a lossy network
 * would), and new connections are accepted but forward nothing; `heal()` forwards again.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/** A running proxy. */
export interface BlackholeProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes discarded while black-holed. */
  readonly dropped: number;
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (`port`, or a free one) forwarding to 127.0.0.1:`targetPort`. */
export async function startBlackholeProxy(targetPort: number, port = 0): Promise<BlackholeProxy> {
  const sockets = new Set<Socket>();
  let dropping = false;
  let accepted = 0;
  let dropped = 0;
  const pipe = (from: Socket, to: Socket): void => {
    from.on("data", (chunk: Buffer) => {
      if (dropping) {
        dropped += chunk.length;
        return;
      }
      to.write(chunk);
    });
    from.on("close", () => to.destroy());
    from.on("error", () => to.destroy());
  };
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client).add(upstream);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    get accepted() {
      return accepted;
    },
    get dropped() {
      return dropped;
    },
    blackhole: () => void (dropping = true),
    heal: () => void (dropping = false),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
