// Settings blocks: checks each written setting against the catalogue (settings.ts, read from the declaration in
// runtime/settings-declaration.ts), resolves the layers (built-in default → shared → connection → topic) and maps them
// into the model's settings shapes.
import type { Range, SettingsBlock, SettingValue } from "../grammar/ast.js";
import { numericLiteralProblem, stringSettingProblem } from "./check-literals.js";
import { messages, notes, type MessageArgs, type MessageDef, type Problem } from "./catalogue.js";
import { didYouMean, related, type RelatedLocation } from "./diagnostics.js";
import type { ConnectionSettingsModel } from "./model.js";
import type { SourceText } from "./parse.js";
import type { SettingsShape } from "../runtime/settings-declaration.js";
import {
  defaultClient,
  describeType,
  settingsByName,
  settingsByShape,
  settingsCatalogue,
  units,
  type KefClient,
  type SettingInfo,
  type SettingShape,
} from "./settings.js";

export type Value = string | number | boolean;

/** A settings block after checking: the values that were written, and where. */
export interface CheckedSettings {
  /** Where the values were written (for related locations across files). */
  readonly file?: string;
  readonly values: Map<string, { value: Value; range: Range }>;
  /** Every known setting written in the block, valid or not: a bad value is not also reported as missing. */
  readonly written?: ReadonlySet<string>;
}

/** What the settings checks need of the checker: its report (made from catalogue entries), and the file being checked. */
export interface SettingsReporter {
  readonly source: SourceText;
  accept<M extends MessageDef>(
    entry: M,
    range: Range,
    args: MessageArgs<M>,
    extra?: { hint?: string | undefined; related?: RelatedLocation[]; file?: string },
  ): void;
}

/** What {@link unsupportedOnClient} needs of a connection being checked. */
export interface ConnectionDraftSettings {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  readonly at: { readonly file: string };
  readonly own: CheckedSettings;
}

/**
 * Checks one settings block. `allowed`: `shared` takes every setting; `all` (a connection) every setting but the
 * producer's; `buffer` (a topic's consumer block) buffer settings; `producer` (a topic's producer block) producer settings.
 */
export function checkSettings(
  c: SettingsReporter,
  block: SettingsBlock | undefined,
  allowed: "shared" | "all" | "buffer" | "producer",
  where: string,
): CheckedSettings {
  const values = new Map<string, { value: Value; range: Range }>();
  const firstSeen = new Map<string, Range>();
  const written = new Set<string>();
  for (const setting of block?.settings ?? []) {
    const name = setting.name.text;
    const info = settingsByName.get(name);
    if (!info) {
      c.accept(
        messages.unknownSetting,
        setting.name.range,
        { name },
        {
          hint:
            didYouMean(
              name,
              settingsCatalogue.map((s) => s.name),
            ) ?? `settings are: ${settingsCatalogue.map((s) => s.name).join(", ")}`,
        },
      );
      continue;
    }
    const first = firstSeen.get(name);
    if (first) {
      c.accept(
        messages.settingTwice,
        setting.name.range,
        { name },
        { related: [related(notes.firstSet, {}, { file: c.source.file, range: first })] },
      );
      continue;
    }
    firstSeen.set(name, setting.name.range);
    written.add(name);
    if (allowed === "buffer" && info.scope !== "buffer") {
      if (info.scope === "producer")
        c.accept(messages.producerSettingOnTopicConsumer, setting.name.range, { name, where });
      else
        c.accept(messages.connectionSettingOnTopic, setting.name.range, {
          name,
          where,
          settings: namesOf((s) => s.scope === "buffer"),
        });
      continue;
    }
    if (allowed === "all" && info.scope === "producer") {
      c.accept(messages.producerSettingOnConnection, setting.name.range, { name, where });
      continue;
    }
    if (allowed === "producer" && (info.scope !== "producer" || name === "produce")) {
      if (name === "produce") c.accept(messages.produceInProducerBlock, setting.name.range, { name, where });
      else
        c.accept(messages.notAProducerSetting, setting.name.range, {
          name,
          where,
          settings: namesOf((s) => s.scope === "producer" && s.name !== "produce"),
        });
      continue;
    }
    if (!setting.value) continue; // the parser already reported it
    const value = settingValue(c, info, setting.value);
    if (value !== undefined) values.set(name, { value, range: setting.value.range });
    if (name === "enableAutoCommit" && value === true) c.accept(messages.atMostOnce, setting.value.range, {});
  }
  return { file: c.source.file, values, written };
}

/** The names of the settings that `which` picks, for a hint. */
function namesOf(which: (s: SettingInfo) => boolean): string {
  return settingsCatalogue
    .filter(which)
    .map((s) => s.name)
    .join(", ");
}

function settingValue(c: SettingsReporter, info: SettingInfo, v: SettingValue): Value | undefined {
  const t = info.type;
  const wrong = (): undefined => {
    const shown =
      v.$type === "StringValue" ? JSON.stringify(v.value) : v.$type === "QuantityValue" ? v.raw : String(v.value);
    const unquoted =
      v.$type === "StringValue" &&
      t.kind !== "string" &&
      /^-?[0-9.]+[A-Za-z]*$|^(true|false)$|^[A-Za-z_][A-Za-z0-9_]*$/.test(v.value);
    const args = { name: info.name, expected: describeType(t), shown };
    if (t.kind === "string" && v.$type !== "StringValue") {
      c.accept(messages.wrongValueUnquoted, v.range, {
        ...args,
        text: v.$type === "NumberValue" || v.$type === "QuantityValue" ? v.raw : String(v.value),
      });
    } else if (unquoted) c.accept(messages.wrongValueQuoted, v.range, { ...args, text: String(v.value) });
    else c.accept(messages.wrongValue, v.range, args);
    return undefined;
  };
  switch (t.kind) {
    case "string":
      if (v.$type === "IdentifierValue" && t.words?.includes(v.value)) return v.value;
      if (v.$type !== "StringValue") return wrong();
      if (v.value.length === 0) {
        c.accept(messages.emptySetting, v.range, { name: info.name });
        return undefined;
      }
      if (reportProblem(c, stringSettingProblem(info, v.value), v.range)) return undefined;
      return supportedByProducer(c, info, v.value, v.range);
    case "boolean":
      if (v.$type !== "BooleanValue") return wrong();
      return supportedByProducer(c, info, v.value, v.range);
    case "name":
      if (v.$type !== "IdentifierValue") return wrong();
      return v.value;
    case "integer": {
      if (v.$type === "IdentifierValue" && t.words?.includes(v.value)) return v.value;
      if (reportProblem(c, numericLiteralProblem(info, v), v.range)) return undefined;
      let n: number;
      if (v.$type === "NumberValue") n = v.value;
      else if (v.$type === "QuantityValue") {
        const factor = t.unit ? units[t.unit][v.unit] : undefined;
        if (factor === undefined) {
          if (t.unit)
            c.accept(messages.wrongUnit, v.range, {
              name: info.name,
              wanted: t.unit === "ms" ? "a duration" : "a size",
              raw: v.raw,
              units: Object.keys(units[t.unit]).join(", "),
            });
          else c.accept(messages.unitOnCount, v.range, { name: info.name, raw: v.raw, value: v.value });
          return undefined;
        }
        // Round away float noise (0.1s = 100.00000000000001 ms); a real fraction stays one.
        n = Math.round(v.value * factor * 1e6) / 1e6;
      } else return wrong();
      const shown = v.$type === "QuantityValue" ? `${v.raw} (${n})` : v.raw;
      if (!Number.isInteger(n)) {
        c.accept(messages.notWholeNumber, v.range, {
          name: info.name,
          ofUnit: t.unit === "ms" ? " of milliseconds" : t.unit === "bytes" ? " of bytes" : "",
          shown,
        });
        return undefined;
      }
      if (n < t.min || n > t.max) {
        // Seconds written as milliseconds (sessionTimeoutMs = 30): say so.
        const seconds = t.unit === "ms" && v.$type === "NumberValue" && n < t.min && n * 1000 >= t.min;
        const args = { name: info.name, min: t.min, max: t.max, unit: t.unit === "ms" ? " ms" : "", shown };
        if (seconds) c.accept(messages.outOfRangeInSeconds, v.range, { ...args, raw: v.raw });
        else c.accept(messages.outOfRange, v.range, args);
        return undefined;
      }
      return supportedByProducer(c, info, n, v.range);
    }
    case "enum": {
      const text = v.$type === "IdentifierValue" || v.$type === "StringValue" ? String(v.value) : undefined;
      if (text === undefined || !t.values.includes(text)) {
        c.accept(
          messages.notOneOf,
          v.range,
          { name: info.name, values: t.values.join(", "), shown: text ?? String(v.value) },
          {
            hint: text === undefined ? undefined : didYouMean(text, t.values),
          },
        );
        return undefined;
      }
      return supportedByProducer(c, info, text, v.range);
    }
  }
}

/** Reports `p` (when there is one) at `range` (in `file`, else the current one); true when it did. */
export function reportProblem(c: SettingsReporter, p: Problem | undefined, range: Range, file?: string): boolean {
  // The arguments were checked against the entry when the problem was made (catalogue.ts `problem`).
  if (p) c.accept(p.entry, range, p.args, file === undefined ? {} : { file });
  return p !== undefined;
}

/**
 * KEF2009 at the setting for a producer setting kafkajs cannot honour (producers always run on kafkajs). Whether a
 * connection's client can honour a consumer setting is known only per connection (see {@link unsupportedOnClient}).
 */
function supportedByProducer(c: SettingsReporter, info: SettingInfo, value: Value, range: Range): Value | undefined {
  const u = info.unsupported;
  if (info.scope === "producer" && u && (u.values === undefined || u.values.includes(value as string | boolean))) {
    c.accept(messages.unsupportedByProducer, range, {
      setting: writtenSetting(info, u, value),
      client: u.client,
      why: u.why,
    });
    return undefined;
  }
  return value;
}

/** The setting as a KEF2009 names it: `lingerMs` when no value is honoured, else `compression = zstd`. */
function writtenSetting(info: SettingInfo, u: NonNullable<SettingInfo["unsupported"]>, value: Value): string {
  return u.values === undefined ? info.name : `${info.name} = ${String(value)}`;
}

/**
 * KEF2009 for each setting value the connection's client cannot honour, at the place it was written
 * (the connection's block or the shared one it inherits from), once per place.
 */
export function unsupportedOnClient(
  c: SettingsReporter,
  draft: ConnectionDraftSettings,
  shared: CheckedSettings,
  values: ReadonlyMap<string, Value>,
  reported: Set<string>,
): void {
  const client = (values.get("client") as KefClient | undefined) ?? defaultClient;
  for (const info of settingsCatalogue) {
    const u = info.unsupported;
    // A topic's setting (exactlyOnce) is checked per topic, where its value is decided (check-exactly-once.ts).
    if (!u || info.scope !== "connection" || u.client !== client || !values.has(info.name)) continue;
    const value = values.get(info.name)!;
    if (u.values !== undefined && !u.values.includes(value as string | boolean)) continue;
    const own = draft.own.values.get(info.name);
    const written = own ?? (draft.kind === "exclusive" && info.inherited ? shared.values.get(info.name) : undefined);
    if (!written) continue; // a default a client cannot honour would be a catalogue bug
    const file = (own ? draft.own.file : shared.file) ?? draft.at.file;
    const place = `${file}:${written.range.start.offset}`;
    if (reported.has(place)) continue;
    reported.add(place);
    const args = { setting: writtenSetting(info, u, value), client, why: u.why };
    if (own) c.accept(messages.unsupportedOnClient, written.range, args, { file });
    else c.accept(messages.unsupportedInheritedOnClient, written.range, { ...args, connection: draft.name }, { file });
  }
}

export function resolveConnectionSettings(layers: readonly CheckedSettings[]): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const info of settingsCatalogue) if (info.default !== undefined) out.set(info.name, info.default);
  for (const layer of layers) for (const [k, v] of layer.values) out.set(k, v.value);
  return out;
}

/**
 * The model's settings object `shape` from resolved values: each setting declared for it (runtime/settings-declaration.ts)
 * that has a value becomes its field, in declaration order (the order generated code writes them in). The values
 * were checked against their declared types when read; this is the one place that trusts it.
 */
export function settingsShape<S extends SettingShape>(
  shape: S,
  values: ReadonlyMap<string, Value>,
): SettingsShape<S, "model"> {
  const out: Record<string, Value> = {};
  for (const info of settingsByShape.get(shape) ?? []) {
    const value = values.get(info.name);
    if (value !== undefined) out[info.field] = value;
  }
  return out as SettingsShape<S, "model">;
}

/**
 * The values of the settings of `shape` for one topic: each from the last of `layers` (weakest first) that wrote it,
 * else its declared default: what {@link layeredShape} makes a topic's settings objects of (its failure policy reads
 * them before making its own).
 */
export function layeredValues(
  shape: SettingShape,
  layers: readonly { readonly values: ReadonlyMap<string, { readonly value: Value }> }[],
): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const info of settingsByShape.get(shape) ?? []) {
    let value = info.default;
    for (let i = layers.length - 1; i >= 0; i--) {
      const written = layers[i]!.values.get(info.name);
      if (written) {
        value = written.value;
        break;
      }
    }
    if (value !== undefined) out.set(info.name, value);
  }
  return out;
}

export function connectionSettingsModel(values: ReadonlyMap<string, Value>, groupId: string): ConnectionSettingsModel {
  return settingsShape("connection", new Map(values).set("groupId", groupId));
}

/** The settings object `shape` of one topic, from its `layers` (weakest first) and the declared defaults. */
export function layeredShape<S extends SettingShape>(
  shape: S,
  layers: Parameters<typeof layeredValues>[1],
): SettingsShape<S, "model"> {
  return settingsShape(shape, layeredValues(shape, layers));
}

/** Settings inherited by exclusive connections from the shared block: all but identity (groupId). */
export function inheritable(s: CheckedSettings): CheckedSettings {
  return { values: new Map([...s.values].filter(([k]) => settingsByName.get(k)?.inherited)) };
}

export function onlyBuffer(s: CheckedSettings): CheckedSettings {
  return { values: new Map([...s.values].filter(([k]) => settingsByName.get(k)?.scope === "buffer")) };
}
