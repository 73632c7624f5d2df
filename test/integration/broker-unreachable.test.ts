// A wrong broker address: start() rejects within the connect deadline (connectTimeoutMs) with a
// BrokerUnreachableError naming the brokers tried, the cause and a hint. Real clients (kafkajs, and
// platformatic on Node >= 22.22), no broker needed: a closed port on 127.0.0.1, and a server that accepts
// connections and never answers.

import net from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BrokerUnreachableError,
  ConsumerRuntime,
  DEFAULT_CONNECT_TIMEOUT_MS,
  silentLogger,
} from "../../runtime/index.js";
import { testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import type { KafkaClient } from "../../runtime/index.js";
import { loadPlatformatic } from "../../runtime/transport/clients.js";
import { freePort } from "../../scripts/kafka/free-ports.js";

const servers: net.Server[] = [];
const runtimes: ConsumerRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop({ timeoutMs: 100 })));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A TCP server on 127.0.0.1 that accepts every connection and never writes a byte. */
async function silentServer(): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => void sockets.push(socket));
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    sockets.forEach((s) => s.destroy());
    return close(cb);
  }) as typeof server.close;
  return (server.address() as net.AddressInfo).port;
}

/**
 * A port on 127.0.0.1 that nothing listens on: bound once, then released, chosen below the ephemeral
 * range so that no outgoing connection on the machine is given it meanwhile (see free-ports.ts).
 */
const closedPort = freePort;

async function startAgainst(
  client: KafkaClient,
  brokers: string[],
  connectTimeoutMs?: number,
): Promise<{ error: unknown; elapsedMs: number }> {
  const runtime = new ConsumerRuntime(
    [
      {
        name: "shared",
        kind: "shared",
        settings: testSettings("unreachable-group"),
        topics: [
          tickTopic("unreachable-topic", { maxBufferedMessages: 10, backpressure: "ApplyBackpressure" }, () => {}),
        ],
      },
    ],
    { brokers, clientId: "kefgen-unreachable" },
    { logger: silentLogger, client, ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}) },
  );
  runtimes.push(runtime);
  const started = Date.now();
  const error = await runtime.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, elapsedMs: Date.now() - started };
}

describe.each(testClients())("%s: start() against an address where no Kafka answers", (client) => {
  // Loading @platformatic/kafka (once per process, at the first start()) is not part of the connect deadline.
  beforeAll(async () => void (client === "platformatic" && (await loadPlatformatic())));

  it('a closed port: "connection refused", the address and a hint, within connectTimeoutMs', async () => {
    const port = await closedPort();
    const { error, elapsedMs } = await startAgainst(client, [`127.0.0.1:${port}`], 2_000);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(error).toMatchObject({
      code: "KEF_BROKER_UNREACHABLE",
      brokers: [`127.0.0.1:${port}`],
      reason: "connection refused",
      connection: "shared",
    });
    expect((error as Error).message).toBe(
      `connection "shared": cannot reach Kafka at 127.0.0.1:${port} (connection refused); hint: is the broker running? check KAFKA_BROKERS / the brokers option`,
    );
    // The deadline, plus at most a 1 s probe and the cleanup.
    expect(elapsedMs).toBeLessThan(2_000 + 2_500);
  });

  it('a server that accepts and never answers: "no answer within …", not kafkajs\'s "Broker not connected" after 30 s', async () => {
    const port = await silentServer();
    const { error, elapsedMs } = await startAgainst(client, [`127.0.0.1:${port}`], 2_000);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(error).toMatchObject({ brokers: [`127.0.0.1:${port}`], reason: "no answer" });
    const said = (error as Error).message.match(
      new RegExp(
        `^connection "shared": cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\(no answer within (\\d+) ms\\); hint: something accepted the connection but did not answer as Kafka`,
      ),
    );
    expect(said, (error as Error).message).not.toBeNull();
    // The time it says is the time it waited: at least the deadline, at most what start() took (the
    // deadline's timer fires late on a loaded machine, so no tighter bound than the one below).
    expect(Number(said![1])).toBeGreaterThanOrEqual(2_000);
    expect(Number(said![1])).toBeLessThanOrEqual(elapsedMs);
    expect(elapsedMs).toBeGreaterThanOrEqual(2_000);
    expect(elapsedMs).toBeLessThan(2_000 + 2_500);
  });

  it("without connectTimeoutMs the documented default deadline applies", async () => {
    const port = await silentServer();
    const { error, elapsedMs } = await startAgainst(client, [`127.0.0.1:${port}`]);
    expect(error).toMatchObject({ reason: "no answer" });
    expect(elapsedMs).toBeGreaterThanOrEqual(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(elapsedMs).toBeLessThan(DEFAULT_CONNECT_TIMEOUT_MS + 2_500);
  }, 30_000);
});
