// A topic's failure handling, resolved from its retry*, deadLetter and onDecodeError settings (shared →
// connection → topic), with the diagnostics that only make sense for the combination: KEF2100–KEF2104.
import type { Range } from "../grammar/ast.js";
// A cycle with check.ts, harmless: only functions cross it, and only once checking runs.
import { kafkaTopicProblem } from "./check.js";
import { messages } from "./catalogue.js";
import { layeredValues, settingsShape } from "./check-settings.js";
import type { FailureModel } from "./model.js";
import { settingIn, type LayeredValue, type SettingLayer } from "./registries.js";
import type { Accept } from "./reporter.js";

/** Spring Kafka's default dead-letter topic name since 3.3 (`<topic>.DLT` before). */
function defaultDeadLetterTopic(topic: string): string {
  return `${topic}-dlt`;
}

/**
 * The failure model of one topic: its failure settings (runtime/settings-declaration.ts, shape "failure") as the
 * layers give them, but `deadLetter` as a topic name (or absent for none) and `onDecodeError`, which has no default
 * of its own, following it. `layers` are the settings blocks that apply to the topic, weakest first; diagnostics
 * point at the value that decided (or at the topic when only defaults did).
 */
export function topicFailure(
  c: Accept,
  topic: { name: string; range: Range; file: string },
  layers: readonly SettingLayer[],
): FailureModel {
  const where = (key: string): LayeredValue | undefined => settingIn(layers, topic.file, key);
  const values = layeredValues("failure", layers);
  const declared = settingsShape("failure", values);
  const { attempts, backoffMs, maxBackoffMs, deadLetter: written } = declared;
  const deadLetter =
    written === "none" ? undefined : written === "default" ? defaultDeadLetterTopic(topic.name) : written;
  const decodeAt = where("onDecodeError");
  // Absent unless written (no default in the declaration): it follows the dead-letter topic.
  const onDecodeError: FailureModel["onDecodeError"] = values.has("onDecodeError")
    ? declared.onDecodeError
    : deadLetter
      ? "deadLetter"
      : "stop";

  if (backoffMs > maxBackoffMs) {
    const at = where("retryBackoffMs") ?? where("retryMaxBackoffMs");
    c.accept(
      messages.retryBackoffAboveMaximum,
      at?.range ?? topic.range,
      { backoff: backoffMs, maximum: maxBackoffMs, topic: topic.name },
      { file: at?.file ?? topic.file },
    );
  }
  const deadLetterAt = where("deadLetter");
  const deadLetterFile = deadLetterAt?.file ?? topic.file;
  if (deadLetter !== undefined) {
    const problem = kafkaTopicProblem(deadLetter);
    if (problem) {
      const entry = written === "default" ? messages.invalidDefaultDeadLetterTopic : messages.invalidDeadLetterTopic;
      c.accept(
        entry,
        deadLetterAt?.range ?? topic.range,
        { deadLetter, topic: topic.name, problem },
        { file: deadLetterFile },
      );
    } else if (deadLetter === topic.name) {
      c.accept(
        messages.ownDeadLetterTopic,
        deadLetterAt?.range ?? topic.range,
        { topic: topic.name, defaultDeadLetter: defaultDeadLetterTopic(topic.name) },
        { file: deadLetterFile },
      );
    }
  }
  if (onDecodeError === "deadLetter" && deadLetter === undefined) {
    c.accept(
      messages.decodeErrorsWithoutDeadLetter,
      decodeAt?.range ?? topic.range,
      { topic: topic.name, defaultDeadLetter: defaultDeadLetterTopic(topic.name) },
      { file: decodeAt?.file ?? topic.file },
    );
  }
  if (onDecodeError === "skip" && decodeAt) {
    c.accept(
      deadLetter ? messages.decodeErrorsSkipped : messages.decodeErrorsSkippedWithoutDeadLetter,
      decodeAt.range,
      { topic: topic.name },
      { file: decodeAt.file },
    );
  }
  if (attempts === "unlimited" && deadLetter === undefined) {
    const at = where("retryAttempts");
    c.accept(
      messages.retriesForever,
      at?.range ?? topic.range,
      { topic: topic.name },
      { file: at?.file ?? topic.file },
    );
  }
  values.set("onDecodeError", onDecodeError);
  if (deadLetter === undefined) values.delete("deadLetter");
  else values.set("deadLetter", deadLetter);
  return settingsShape("failure", values);
}
