// kafkajs 2 warns on the console, once per process, when a producer is made without a partitioner (its default
// changed in 2.0.0). The runtime's producers name theirs (runtime/transport/kafkajs-producers.ts), so a user's
// consumers and producers print no such warning about a choice the user never made.
import { Kafka } from "kafkajs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger, type RuntimeLogger } from "../../../runtime/index.js";
import { kafkajsTransport } from "../../../runtime/transport/kafkajs.js";

const silencing = "KAFKAJS_NO_PARTITIONER_WARNING";
let saved: string | undefined;
beforeEach(() => {
  saved = process.env[silencing];
  delete process.env[silencing];
});
afterEach(() => {
  if (saved === undefined) delete process.env[silencing];
  else process.env[silencing] = saved;
});

describe("the kafkajs transport's producers", () => {
  it("are made with a partitioner named, so kafkajs prints no warning about its default", () => {
    const warnings: string[] = [];
    const logger: RuntimeLogger = { ...silentLogger, warn: (message) => warnings.push(message) };
    // Nothing connects: a producer is made without a broker.
    const transport = kafkajsTransport({ brokers: ["127.0.0.1:1"] }, { logger });
    transport.createProducer({ acks: "all", idempotent: true, compression: "none", maxInFlight: 5 });
    transport.createProducer({ acks: "leader", idempotent: false, compression: "gzip", maxInFlight: 1 });
    transport.createTransactionalProducer!("kefgen-partitioner-test");
    expect(warnings).toEqual([]);

    // The same kafkajs warns for a producer made without one, through the same route: the check above can fail.
    const direct = new Kafka({
      brokers: ["127.0.0.1:1"],
      logCreator: () => (entry) => warnings.push(entry.log.message),
    });
    direct.producer();
    expect(warnings).toEqual([expect.stringContaining("switched default partitioner")]);
  });
});
