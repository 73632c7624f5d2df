// A topic's failure handling, resolved from its retry*, deadLetter and onDecodeError settings (shared →
// connection → topic), with the diagnostics that only make sense for the combination: KEF2100–KEF2104.
import type { Range } from "../grammar/ast.js";
// A cycle with check.ts, harmless: only functions cross it, and only once checking runs.
import { kafkaTopicProblem } from "./check.js";
import type { FailureModel } from "./model.js";
import { settingIn, type LayeredValue, type RegistryReporter, type SettingLayer } from "./registries.js";
import type { SourceText } from "./parse.js";
import { settingsByName } from "./settings.js";

/** Spring Kafka's default dead-letter topic name since 3.3 (`<topic>.DLT` before). */
function defaultDeadLetterTopic(topic: string): string {
  return `${topic}-dlt`;
}

/**
 * The failure model of one topic. `layers` are the settings blocks that apply to it, weakest first; diagnostics
 * point at the value that decided (or at the topic when only defaults did).
 */
export function topicFailure(
  c: RegistryReporter,
  topic: { name: string; range: Range; file: string },
  layers: readonly SettingLayer[],
  sourceOf: (file: string) => SourceText,
): FailureModel {
  const where = (key: string): LayeredValue | undefined => settingIn(layers, topic.file, key);
  const value = (key: string): string | number | boolean => where(key)?.value ?? settingsByName.get(key)!.default!;
  const attempts = value("retryAttempts") as number | "unlimited";
  const backoffMs = value("retryBackoffMs") as number;
  const maxBackoffMs = value("retryMaxBackoffMs") as number;
  const written = value("deadLetter") as string;
  const deadLetter = written === "none" ? undefined : written === "default" ? defaultDeadLetterTopic(topic.name) : written;
  const decodeAt = where("onDecodeError");
  const onDecodeError = (decodeAt?.value ?? (deadLetter ? "deadLetter" : "stop")) as FailureModel["onDecodeError"];

  if (backoffMs > maxBackoffMs) {
    const at = where("retryBackoffMs") ?? where("retryMaxBackoffMs");
    c.source = sourceOf(at?.file ?? topic.file);
    c.report("KEF2103", at?.range ?? topic.range, `retryBackoffMs (${backoffMs}) is above retryMaxBackoffMs (${maxBackoffMs}) for topic "${topic.name}"`, {
      hint: "the first wait is retryBackoffMs and no wait is longer than retryMaxBackoffMs: raise the maximum or lower the first wait",
    });
  }
  const deadLetterAt = where("deadLetter");
  if (deadLetter !== undefined) {
    const problem = kafkaTopicProblem(deadLetter);
    if (problem) {
      c.source = sourceOf(deadLetterAt?.file ?? topic.file);
      c.report("KEF2104", deadLetterAt?.range ?? topic.range, `invalid dead-letter topic "${deadLetter}" for topic "${topic.name}": ${problem}`, {
        hint: written === "default" ? `name it: deadLetter = "..."` : undefined,
      });
    } else if (deadLetter === topic.name) {
      c.source = sourceOf(deadLetterAt?.file ?? topic.file);
      c.report("KEF2104", deadLetterAt?.range ?? topic.range, `topic "${topic.name}" cannot be its own dead-letter topic: a failing record would come back to fail again`, {
        hint: `use deadLetter = default ("${defaultDeadLetterTopic(topic.name)}") or another topic`,
      });
    }
  }
  if (onDecodeError === "deadLetter" && deadLetter === undefined) {
    c.source = sourceOf(decodeAt?.file ?? topic.file);
    c.report("KEF2102", decodeAt?.range ?? topic.range, `onDecodeError = deadLetter, but topic "${topic.name}" has no dead-letter topic`, {
      hint: `add deadLetter = default (writes to "${defaultDeadLetterTopic(topic.name)}") or deadLetter = "some-topic"`,
    });
  }
  if (onDecodeError === "skip" && decodeAt) {
    c.source = sourceOf(decodeAt.file);
    c.report("KEF2101", decodeAt.range, `onDecodeError = skip: a record of topic "${topic.name}" that cannot be decoded is counted, committed past and lost`, {
      severity: "warning",
      hint: deadLetter ? "onDecodeError = deadLetter keeps its bytes in the dead-letter topic" : "add deadLetter = default to keep its bytes, or use onDecodeError = stop",
    });
  }
  if (attempts === "unlimited" && deadLetter === undefined) {
    const at = where("retryAttempts");
    c.source = sourceOf(at?.file ?? topic.file);
    c.report("KEF2100", at?.range ?? topic.range, `topic "${topic.name}" has no dead-letter topic and retries without limit: a record that always fails stalls its partition, retried forever`, {
      severity: "warning",
      hint: "add deadLetter = default, or bound the retries (retryAttempts = 10): the partition then stops and reports the record",
    });
  }
  return {
    attempts,
    backoffMs,
    maxBackoffMs,
    multiplier: value("retryMultiplier") as number,
    jitterPercent: value("retryJitterPercent") as number,
    ...(deadLetter !== undefined ? { deadLetter } : {}),
    onDecodeError,
  };
}
