// Checks of single values as written in a .kef file — numbers, units, strings, topic names — that the checker
// (check.ts) calls. Each returns the problem as data; the checker reports it at the literal.
import type { JsonValue, Range, SettingValue } from "../grammar/ast.js";
import { messages, problem, type Problem } from "./catalogue.js";
import { closest } from "./diagnostics.js";
import { units, type SettingInfo } from "./settings.js";

// What is wrong with a value comes back as a Problem (catalogue.ts), reported by check-settings.ts `reportProblem`.

type UnitKind = keyof typeof units;

const unitWords: Readonly<Record<UnitKind, string>> = { ms: "a duration", bytes: "a size" };

/** Words people write for a unit, by the unit kefgen spells. Compared without regard to case. */
const unitAliases: Readonly<Record<string, string>> = {
  msec: "ms",
  msecs: "ms",
  millis: "ms",
  millisecond: "ms",
  milliseconds: "ms",
  sec: "s",
  secs: "s",
  second: "s",
  seconds: "s",
  m: "min",
  mins: "min",
  minute: "min",
  minutes: "min",
  hr: "h",
  hrs: "h",
  hour: "h",
  hours: "h",
  byte: "B",
  bytes: "B",
  k: "KB",
  kilobyte: "KB",
  kilobytes: "KB",
  kibibyte: "KiB",
  kibibytes: "KiB",
  ki: "KiB",
  kib: "KiB",
  mega: "MB",
  megabyte: "MB",
  megabytes: "MB",
  mi: "MiB",
  mebibyte: "MiB",
  mebibytes: "MiB",
  g: "GB",
  gigabyte: "GB",
  gigabytes: "GB",
  gi: "GiB",
  gibibyte: "GiB",
  gibibytes: "GiB",
};

function allUnits(): string[] {
  return [...Object.keys(units.ms), ...Object.keys(units.bytes)];
}

/** The unit of `kind` the user most likely meant by `word`. */
function meantUnit(word: string, kind: UnitKind): string | undefined {
  const candidates = Object.keys(units[kind]);
  const lower = word.toLowerCase();
  // Case first: "1kb" means KB (not KiB), "30S" means s. Then the words people write for units.
  const sameLetters = candidates.find((u) => u.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  const alias = unitAliases[lower];
  if (alias && candidates.includes(alias)) return alias;
  return word.length > 2 ? closest(word, candidates) : undefined;
}

const radixes = { x: [16, "hexadecimal numbers"], b: [2, "binary numbers"], o: [8, "octal numbers"] } as const;

/** A decimal number in the forms JSON allows: what `0x10`, `0b1`, `0o7`, `007` and `1_000` are not. */
function notDecimal(raw: string): { readonly shown: string; readonly decimal: string | undefined } | undefined {
  const sign = raw.startsWith("-") ? "-" : "";
  const body = raw.slice(sign.length);
  const radix = /^0([xXbBoO])([0-9A-Za-z_]*)$/.exec(body);
  if (radix) {
    const [base, shown] = radixes[radix[1]!.toLowerCase() as keyof typeof radixes];
    const digits = radix[2]!;
    const valid = digits.length > 0 && [...digits].every((d) => !Number.isNaN(parseInt(d, base)));
    return { shown, decimal: valid ? `${sign}${parseInt(digits, base)}` : undefined };
  }
  if (/^0[0-9]/.test(body)) return { shown: "leading zeros", decimal: `${sign}${body.replace(/^0+(?=[0-9])/, "")}` };
  if (/^[0-9][0-9_]*_[0-9_]*[A-Za-z]*$/.test(body) && /[0-9]_+[0-9]/.test(body)) {
    const [, digits, unit] = /^([0-9_]+)(.*)$/.exec(body)!;
    return { shown: "digit separators", decimal: `${sign}${digits!.replace(/_/g, "")}${unit}` };
  }
  return undefined;
}

/**
 * Problems of a number or quantity written for an integer setting, before its unit is converted: a number that is
 * not decimal (`0x10`), a word that is no unit (`30parsecs`, `30S`), a unit apart from its number (`30 s`), and
 * a number JavaScript cannot hold as written (see `numberProblem`).
 */
export function numericLiteralProblem(info: SettingInfo, v: SettingValue): Problem | undefined {
  if (v.$type !== "NumberValue" && v.$type !== "QuantityValue") return undefined;
  const kind = info.type.kind === "integer" ? info.type.unit : undefined;
  if (v.$type === "QuantityValue") {
    const other = v.detached ? undefined : notDecimal(v.raw);
    if (other) {
      return other.decimal === undefined
        ? problem(messages.notPlainDecimal, { name: info.name, raw: v.raw, form: other.shown })
        : problem(messages.notPlainDecimalWrite, {
            name: info.name,
            raw: v.raw,
            form: other.shown,
            decimal: other.decimal,
          });
    }
    const known = allUnits().includes(v.unit);
    if (!known) {
      // A count (maxBufferedMessages) takes no unit at all: then the hint says so rather than offer one.
      const args = { unit: v.unit, raw: v.raw };
      if (!kind) return problem(messages.unknownUnitOnCount, { ...args, name: info.name });
      const meant = meantUnit(v.unit, kind);
      const list = { wanted: unitWords[kind], units: Object.keys(units[kind]).join(", ") };
      return meant !== undefined
        ? problem(messages.unknownUnitMeant, { ...args, ...list, value: v.value, meant })
        : problem(messages.unknownUnit, { ...args, ...list });
    }
    if (v.detached) return problem(messages.unitApart, { raw: v.raw, value: v.value, unit: v.unit });
  }
  return numberProblem(
    v.$type === "NumberValue" ? v.raw : v.raw.slice(0, v.raw.length - v.unit.length).trimEnd(),
    v.value,
    v.raw,
  );
}

/**
 * Numbers that would not mean what they say once read: too large to hold (`1e400` becomes Infinity), a nonzero
 * number too small to hold (`1e-400` becomes 0), and negative zero (`-0`, which is 0 once written out).
 */
export function numberProblem(raw: string, value: number, shown = raw): Problem | undefined {
  if (!Number.isFinite(value)) return problem(messages.numberTooLarge, { shown });
  if (value === 0 && /[1-9]/.test(raw.replace(/[eE].*$/, ""))) return problem(messages.numberTooSmall, { shown });
  if (Object.is(value, -0)) return problem(messages.negativeZero, { shown, positive: shown.replace(/^-/, "") });
  return undefined;
}

/**
 * Numbers in Avro JSON (defaults, sizes) that JavaScript cannot hold as written: `1e400` would be emitted as
 * `null`, `1e-400` as 0. Negative zero is a valid double default there, so it passes.
 */
export function jsonNumberProblems(json: JsonValue): { readonly range: Range; readonly problem: Problem }[] {
  const out: { range: Range; problem: Problem }[] = [];
  const walk = (v: JsonValue): void => {
    if (v.$type === "JsonObject") for (const m of v.members) if (m.value) walk(m.value);
    if (v.$type === "JsonArray") v.items.forEach(walk);
    if (v.$type !== "JsonNumber" || Object.is(v.value, -0)) return;
    const problem = numberProblem(v.raw, v.value);
    if (problem) out.push({ range: v.range, problem });
  };
  walk(json);
  return out;
}

/** Characters that do not show, or change how text around them shows: two ids that look the same may differ. */
const invisible =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

/**
 * Problems of a string setting's value (group ids): blank, with whitespace at either end, or holding control,
 * invisible or bidirectional-formatting characters. The empty string is the checker's own "cannot be empty".
 */
export function stringSettingProblem(info: SettingInfo, value: string): Problem | undefined {
  if (value.length === 0) return undefined;
  if (value.trim().length === 0) return problem(messages.blankSetting, { name: info.name });
  if (value.trim() !== value)
    return problem(messages.whitespaceInSetting, {
      name: info.name,
      end: /^\s/.test(value) ? "start" : "end",
      trimmed: JSON.stringify(value.trim()),
    });
  const bad = invisible.exec(value);
  if (bad)
    return problem(messages.invisibleInSetting, {
      name: info.name,
      code: bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0"),
    });
  return undefined;
}

/** Kafka's own topics, and what each one holds. */
const internalTopics: Readonly<Record<string, string>> = {
  __consumer_offsets: "the committed offsets of consumer groups",
  __transaction_state: "the state of transactions",
  __share_group_state: "the state of share groups",
  __cluster_metadata: "the cluster's metadata log (KRaft)",
  __remote_log_metadata: "the metadata of tiered storage",
};

/** A topic kefgen refuses to consume: one of Kafka's internal topics (by convention, every name starting "__"). */
export function internalTopicProblem(name: string): Problem | undefined {
  const holds = internalTopics[name];
  if (holds) return problem(messages.internalTopic, { name, holds });
  if (name.startsWith("__")) return problem(messages.internalTopicName, { name });
  return undefined;
}

/** A topic declaration, as the collision check needs it. */
export interface NamedTopic {
  readonly name: string;
  readonly file: string;
  readonly range: Range;
}

/**
 * Topics whose names differ only in '.' against '_' (`a.b`, `a_b`): Kafka's metric names replace '.' by '_', so
 * the two would share metrics, and a broker refuses to create one while the other exists. Each later topic of such
 * a pair is returned with the first one it collides with.
 */
export function metricNameCollisions(
  topics: readonly NamedTopic[],
): { readonly topic: NamedTopic; readonly first: NamedTopic }[] {
  const firstByMetric = new Map<string, NamedTopic>();
  const out: { topic: NamedTopic; first: NamedTopic }[] = [];
  for (const topic of topics) {
    const key = topic.name.replace(/\./g, "_");
    const first = firstByMetric.get(key);
    if (first && first.name !== topic.name) out.push({ topic, first });
    else if (!first) firstByMetric.set(key, topic);
  }
  return out;
}
