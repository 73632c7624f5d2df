// Exactly-once topics (the `exactlyOnce` setting): what a topic's settings and its connection's must be for the
// runtime to run it in transactions (runtime/exactly-once.ts; docs/runtime.md, "Exactly-once handlers"):
// no drop mode (KEF2110), no auto-commit (KEF2111), a client with transactions (KEF2009); and transaction limits
// written on a topic that is not exactly-once (KEF2112, a warning: they do nothing there).
import { messages } from "./catalogue.js";
import type { Value } from "./check-settings.js";
import { settingIn, type LayeredValue, type SettingLayer } from "./registries.js";
import type { Accept } from "./reporter.js";
import { defaultClient, settingsByName, type KefClient } from "./settings.js";

/**
 * Where `exactlyOnce = true` was decided for a topic (the strongest of `layers`, weakest first, that wrote it), or
 * undefined when the topic is not exactly-once. Reports a drop mode on an exactly-once topic (KEF2110): the runtime
 * would commit past a dropped record outside any transaction, and refuses it too. On a topic that is not exactly-once,
 * warns about transaction limits written on the topic itself (KEF2112; inherited ones are fine, as for KEF2056).
 */
export function topicExactlyOnce(
  c: Accept,
  topic: { name: string; file: string },
  layers: readonly SettingLayer[],
): LayeredValue | undefined {
  const at = settingIn(layers, topic.file, "exactlyOnce");
  if (at?.value !== true) {
    const own = layers[layers.length - 1];
    for (const key of ["transactionMaxRecords", "transactionMaxMs"]) {
      const hit = own?.values.get(key);
      if (hit)
        c.accept(
          messages.transactionSettingWithoutEffect,
          hit.range,
          { key, topic: topic.name },
          { file: own!.file ?? topic.file },
        );
    }
    return undefined;
  }
  const backpressure = settingIn(layers, topic.file, "backpressure")?.value;
  if (backpressure === "DropOldestMessage" || backpressure === "DropNewestMessage") {
    c.accept(messages.exactlyOnceWithDrops, at.range, { topic: topic.name, backpressure }, { file: at.file });
  }
  return at;
}

/**
 * The exactly-once topics of one connection against its resolved settings `values`: a client that cannot honour
 * them (KEF2009 from the declaration's `unsupported`, once per place in `reported`) and enableAutoCommit = true
 * (KEF2111, which commits offsets as records are buffered). Reported where `exactlyOnce = true` was written.
 */
export function exactlyOnceOnConnection(
  c: Accept,
  values: ReadonlyMap<string, Value>,
  topics: readonly { readonly name: string; readonly exactlyOnce: LayeredValue | undefined }[],
  reported: Set<string>,
): void {
  const client = (values.get("client") as KefClient | undefined) ?? defaultClient;
  const unsupported = settingsByName.get("exactlyOnce")?.unsupported;
  for (const { name, exactlyOnce: at } of topics) {
    if (!at) continue;
    const place = `${at.file}:${at.range.start.offset}`;
    if (unsupported?.client === client && !reported.has(place)) {
      reported.add(place);
      c.accept(messages.exactlyOnceOnPlatformatic, at.range, { client, why: unsupported.why }, { file: at.file });
    }
    if (values.get("enableAutoCommit") === true)
      c.accept(messages.exactlyOnceWithAutoCommit, at.range, { topic: name }, { file: at.file });
  }
}
