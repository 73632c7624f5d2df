/**
 * The Kafka clients the parameterised suites run on: kafkajs always, platformatic where the running
 * Node.js meets its floor (22.22 / 24.6). On an older Node the platformatic cells are not created, and
 * one line says why (not a skip marker: they do not exist there).
 */
import { kafkajsTransport } from "../../runtime/transport/kafkajs.js";
import { platformaticTransport } from "../../runtime/transport/platformatic.js";
import { PLATFORMATIC_NODE_FLOOR, platformaticRunsOn, type KafkaClient } from "../../runtime/transport/clients.js";
import type { Transport } from "../../runtime/transport/transport.js";
import { silentLogger } from "../../runtime/logger.js";
import { brokers } from "./kafka.js";

let told = false;

/** The clients available on this Node.js. */
export function testClients(): KafkaClient[] {
  if (platformaticRunsOn()) return ["kafkajs", "platformatic"];
  if (!told) {
    told = true;
    console.log(
      `kefgen tests: no platformatic cells on Node.js ${process.versions.node} (@platformatic/kafka needs ${PLATFORMATIC_NODE_FLOOR}); run them with scripts/test-node.sh 22`,
    );
  }
  return ["kafkajs"];
}

/** A transport of `client` on the test broker (or on `on`). */
export function testTransport(client: KafkaClient, on: string[] = brokers()): Transport {
  return client === "platformatic"
    ? platformaticTransport({ brokers: on })
    : kafkajsTransport({ brokers: on }, { logger: silentLogger });
}
