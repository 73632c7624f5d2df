/**
 * The TCP part of the tests' loopback proxies (blackhole-proxy.ts, frame-proxy.ts): a server on 127.0.0.1 that connects
 * each client to 127.0.0.1:`targetPort` and hands both sockets to `wire`, which moves the bytes; either socket closing
 * or failing closes both, and `close()` closes every socket and the server. `startBrokerBehind` puts a dedicated broker
 * behind such a proxy.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { freePort } from "../../scripts/kafka/free-ports.js";
import { startLocalBroker, type LocalBroker } from "../../scripts/kafka/local-broker.js";

/** A listening proxy server. */
export interface LoopbackProxy {
  /** The port clients connect to. */
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server (on `port`, or a free one); `destroy` closes the pair of sockets it is given with. */
export async function startLoopbackProxy(
  targetPort: number,
  wire: (client: Socket, upstream: Socket, destroy: () => void) => void,
  port = 0,
): Promise<LoopbackProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client).add(upstream);
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    wire(client, upstream, destroy);
    for (const socket of [client, upstream]) {
      socket.on("close", () => {
        sockets.delete(socket);
        destroy();
      });
      socket.on("error", destroy);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A dedicated single-node broker behind a proxy that `startProxy` starts on the broker's port: the broker advertises
 * the proxy, so every client connection (consumers, producers, admins) goes through it, and the broker itself is
 * untouched. `stopped` is registered for the proxy, then the broker: the caller stops them in reverse order.
 */
export async function startBrokerBehind<P extends LoopbackProxy>(
  startProxy: (targetPort: number) => Promise<P>,
  stopped: (stop: () => Promise<unknown>) => void,
): Promise<{ proxy: P; broker: LocalBroker; brokers: string[] }> {
  const brokerPort = await freePort();
  const proxy = await startProxy(brokerPort);
  stopped(() => proxy.close());
  const broker = await startLocalBroker({
    logLevel: "WARN",
    port: brokerPort,
    properties: { "advertised.listeners": `PLAINTEXT://127.0.0.1:${proxy.port}` },
  });
  stopped(() => broker.stop());
  return { proxy, broker, brokers: [`127.0.0.1:${proxy.port}`] };
}
