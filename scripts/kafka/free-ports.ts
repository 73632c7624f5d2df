/**
 * Free TCP ports on 127.0.0.1 for something that binds them later (a broker's JVM binds its ports
 * seconds after they were chosen; a test wants a port where nothing listens).
 *
 * A port from `listen(0)` comes from the kernel's ephemeral range, which is also where every outgoing
 * connection on the machine takes its local port: once the probing socket is closed, any client
 * connecting anywhere may be given that port before the broker binds it, and the broker then fails
 * with "Address already in use". So the ports are chosen below the ephemeral range (Linux:
 * /proc/sys/net/ipv4/ip_local_port_range), where the kernel never hands a port out by itself, and
 * checked free by binding them (all at once, so they differ). Where the range is unknown or leaves no
 * room below it, `listen(0)` is the fallback.
 */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";

/** Lowest port chosen: below it lie well-known and commonly configured ports. */
const LOWEST = 10_000;
/** Ports tried per wanted port before falling back to `listen(0)`. */
const ATTEMPTS = 50;

/** The kernel's ephemeral port range, or undefined where it cannot be read (not Linux). */
export function ephemeralPortRange(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && high! >= low!) return { low: low!, high: high! };
  } catch {
    /* not Linux */
  }
  return undefined;
}

/** `count` distinct ports on 127.0.0.1 that were free a moment ago, outside the ephemeral range when possible. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const range = ephemeralPortRange();
  // Room for a random choice to rarely meet a port another run chose at the same time.
  const below = range && range.low - LOWEST >= 1_000 ? range.low : undefined;
  try {
    const ports: number[] = [];
    while (ports.length < count) {
      let port: number | undefined;
      for (let i = 0; below !== undefined && port === undefined && i < ATTEMPTS; i++) {
        const candidate = randomInt(LOWEST, below);
        if (!ports.includes(candidate)) port = await bind(servers, candidate);
      }
      port ??= await bind(servers, 0);
      if (port === undefined) throw new Error("free-ports: cannot bind any port on 127.0.0.1");
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** A free port on 127.0.0.1 (see {@link freePorts}). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/** Listens on `port` (0: any) and keeps the server in `servers`; undefined when the port is taken. */
function bind(servers: Server[], port: number): Promise<number | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      servers.push(server);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
