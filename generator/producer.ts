// A topic's producer, resolved from the producer settings (default → shared → the topic's `producer { }` block),
// with the checks across them that kafkajs needs: idempotence needs acks = all and at most 5 requests in flight.
import type { Range } from "../grammar/ast.js";
import type { ProducerModel } from "./model.js";
import { settingIn, type LayeredValue, type RegistryReporter, type SettingLayer } from "./registries.js";
import type { SourceText } from "./parse.js";
import { settingsByName } from "./settings.js";

/** The broker keeps the sequence numbers of a producer's last 5 batches per partition (KAFKA-17926). */
const maxInFlightWhenIdempotent = 5;

/**
 * The producer of one topic, or undefined when the topic asks for none (no `producer { }` block and no
 * `produce = true` in the shared block). `layers` are the shared block then the topic's producer block.
 */
export function topicProducer(
  c: RegistryReporter,
  topic: { name: string; range: Range; file: string },
  layers: readonly SettingLayer[],
  hasBlock: boolean,
  sourceOf: (file: string) => SourceText,
): ProducerModel | undefined {
  const where = (key: string): LayeredValue | undefined => settingIn(layers, topic.file, key);
  const value = (key: string): string | number | boolean => where(key)?.value ?? settingsByName.get(key)!.default!;
  if (!hasBlock && value("produce") !== true) return undefined;
  const acks = value("acks") as ProducerModel["acks"];
  const idempotent = value("idempotent") as boolean;
  const maxInFlight = value("maxInFlight") as number;
  if (idempotent && acks !== "all") {
    const at = where("acks") ?? where("idempotent");
    c.source = sourceOf(at?.file ?? topic.file);
    c.report("KEF2009", at?.range ?? topic.range, `acks = ${acks} is not supported with idempotent = true (topic "${topic.name}"): an idempotent producer waits for every in-sync replica`, {
      hint: "use acks = all, or set idempotent = false",
    });
  }
  if (idempotent && maxInFlight > maxInFlightWhenIdempotent) {
    const at = where("maxInFlight");
    c.source = sourceOf(at?.file ?? topic.file);
    c.report("KEF2009", at?.range ?? topic.range, `maxInFlight = ${maxInFlight} is not supported with idempotent = true (topic "${topic.name}"): the broker checks the order of at most ${maxInFlightWhenIdempotent} batches in flight`, {
      hint: `use maxInFlight = ${maxInFlightWhenIdempotent} or less, or set idempotent = false`,
    });
  }
  return {
    acks,
    idempotent,
    compression: value("compression") as ProducerModel["compression"],
    maxInFlight,
    autoRegister: value("autoRegister") as boolean,
  };
}
