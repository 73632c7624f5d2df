/**
 * The TCP part of the tests' loopback proxies (blackhole-proxy.ts, frame-proxy.ts): a server on 127.0.0.1 that connects
 * each client to 127.0.0.1:`targetPort` and hands both sockets to `wire`, which moves the bytes; either socket closing
 * or failing closes both, and `close()` closes every socket and the server.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";

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
