// A topic's producer, resolved from the producer settings (default → shared → the topic's `producer { }` block),
// with the checks across them that kafkajs needs: idempotence needs acks = all and at most 5 requests in flight.
import type { Range } from "../grammar/ast.js";
import { messages } from "./catalogue.js";
import { layeredShape } from "./check-settings.js";
import type { ProducerModel } from "./model.js";
import { settingIn, type LayeredValue, type SettingLayer } from "./registries.js";
import type { Accept } from "./reporter.js";
import { settingsByName } from "./settings.js";

/** The broker keeps the sequence numbers of a producer's last 5 batches per partition (KAFKA-17926). */
const maxInFlightWhenIdempotent = 5;

/**
 * The producer of one topic, or undefined when the topic asks for none (no `producer { }` block and no
 * `produce = true` in the shared block). `layers` are the shared block then the topic's producer block.
 */
export function topicProducer(
  c: Accept,
  topic: { name: string; range: Range; file: string },
  layers: readonly SettingLayer[],
  hasBlock: boolean,
): ProducerModel | undefined {
  const where = (key: string): LayeredValue | undefined => settingIn(layers, topic.file, key);
  if (!hasBlock && (where("produce")?.value ?? settingsByName.get("produce")!.default) !== true) return undefined;
  // Its settings as declared (runtime/settings-declaration.ts, shape "producer"), each from the strongest layer.
  const model = layeredShape("producer", layers);
  const { acks, idempotent, maxInFlight } = model;
  if (idempotent && acks !== "all") {
    const at = where("acks") ?? where("idempotent");
    c.accept(
      messages.idempotentWithoutAcksAll,
      at?.range ?? topic.range,
      { acks, topic: topic.name },
      { file: at?.file ?? topic.file },
    );
  }
  if (idempotent && maxInFlight > maxInFlightWhenIdempotent) {
    const at = where("maxInFlight");
    c.accept(
      messages.idempotentInFlightAboveLimit,
      at?.range ?? topic.range,
      { maxInFlight, topic: topic.name, limit: maxInFlightWhenIdempotent },
      { file: at?.file ?? topic.file },
    );
  }
  return model;
}
