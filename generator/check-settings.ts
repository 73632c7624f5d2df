// Settings blocks: checks each written setting against the catalogue (settings.ts), resolves the layers
// (built-in default → shared → connection → topic) and maps them into the model's settings shapes.
import type { Range, SettingsBlock, SettingValue } from "../grammar/ast.js";
import { numericLiteralProblem, stringSettingProblem, type ValueProblem } from "./check-literals.js";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { didYouMean, type DiagnosticCode, type RelatedLocation } from "./diagnostics.js";
import type { BufferSettingsModel, ConnectionSettingsModel } from "./model.js";
import type { SourceText } from "./parse.js";
import { defaultClient, describeType, settingsByName, settingsCatalogue, units, type KefClient, type SettingInfo } from "./settings.js";

export type Value = string | number | boolean;

/** A settings block after checking: the values that were written, and where. */
export interface CheckedSettings {
  /** Where the values were written (for related locations across files). */
  readonly file?: string;
  readonly values: Map<string, { value: Value; range: Range }>;
  /** Every known setting written in the block, valid or not: a bad value is not also reported as missing. */
  readonly written?: ReadonlySet<string>;
}

/** What the settings checks need of the checker: its report, and the file being checked. */
export interface SettingsReporter {
  readonly source: SourceText;
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra?: { hint?: string | undefined; related?: RelatedLocation[]; file?: string }): void;
  report(code: DiagnosticCode, range: Range, message: string, extra?: { hint?: string | undefined; related?: RelatedLocation[]; file?: string; severity?: "error" | "warning" }): void;
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
export function checkSettings(c: SettingsReporter, block: SettingsBlock | undefined, allowed: "shared" | "all" | "buffer" | "producer", where: string): CheckedSettings {
  const values = new Map<string, { value: Value; range: Range }>();
  const firstSeen = new Map<string, Range>();
  const written = new Set<string>();
  for (const setting of block?.settings ?? []) {
    const name = setting.name.text;
    const info = settingsByName.get(name);
    if (!info) {
      c.accept(messages.unknownSetting, setting.name.range, { name }, {
        hint: didYouMean(name, settingsCatalogue.map((s) => s.name)) ?? `settings are: ${settingsCatalogue.map((s) => s.name).join(", ")}`,
      });
      continue;
    }
    const first = firstSeen.get(name);
    if (first) {
      c.report("KEF2010", setting.name.range, `"${name}" is set twice`, { related: [{ message: "first set here", file: c.source.file, range: first }] });
      continue;
    }
    firstSeen.set(name, setting.name.range);
    written.add(name);
    if (allowed === "buffer" && info.scope !== "buffer") {
      c.report("KEF2008", setting.name.range, `"${name}" cannot be set ${where}`, {
        hint:
          info.scope === "producer"
            ? `producer settings go in the topic's producer block: topic "..." : Message { producer { ${name} = ... } }`
            : `only ${settingsCatalogue.filter((s) => s.scope === "buffer").map((s) => s.name).join(", ")} can be set per topic; use "consumer exclusive { ... }" or a named connection for consumer settings`,
      });
      continue;
    }
    if (allowed === "all" && info.scope === "producer") {
      c.report("KEF2008", setting.name.range, `"${name}" cannot be set ${where}`, {
        hint: `producer settings go in the shared block or in a topic's producer block: topic "..." : Message { producer { ${name} = ... } }`,
      });
      continue;
    }
    if (allowed === "producer" && (info.scope !== "producer" || name === "produce")) {
      c.report("KEF2008", setting.name.range, `"${name}" cannot be set ${where}`, {
        hint:
          name === "produce"
            ? "a producer block already asks for this topic's producer; produce = true belongs in the shared block"
            : `only ${settingsCatalogue.filter((s) => s.scope === "producer" && s.name !== "produce").map((s) => s.name).join(", ")} can be set in a producer block`,
      });
      continue;
    }
    if (!setting.value) continue; // the parser already reported it
    const value = settingValue(c, info, setting.value);
    if (value !== undefined) values.set(name, { value, range: setting.value.range });
    if (name === "enableAutoCommit" && value === true) {
      c.report("KEF2018", setting.value.range, "enableAutoCommit = true commits records before they are handled: records in buffers are lost on a crash (at-most-once)", {
        severity: "warning",
        hint: "leave it false (the default): offsets are then committed only after the handler finished (at-least-once)",
      });
    }
  }
  return { file: c.source.file, values, written };
}

function settingValue(c: SettingsReporter, info: SettingInfo, v: SettingValue): Value | undefined {
  const t = info.type;
  const wrong = (): undefined => {
    const shown = v.$type === "StringValue" ? JSON.stringify(v.value) : v.$type === "QuantityValue" ? v.raw : String(v.value);
    const unquoted = v.$type === "StringValue" && t.kind !== "string" && /^-?[0-9.]+[A-Za-z]*$|^(true|false)$|^[A-Za-z_][A-Za-z0-9_]*$/.test(v.value);
    c.report("KEF2007", v.range, `"${info.name}" must be ${describeType(t)}, not ${shown}`, {
      hint:
        t.kind === "string" && v.$type !== "StringValue"
          ? `write it in quotes: ${info.name} = "${v.$type === "NumberValue" || v.$type === "QuantityValue" ? v.raw : v.value}"`
          : unquoted
            ? `write it without quotes: ${info.name} = ${v.value}`
            : undefined,
    });
    return undefined;
  };
  switch (t.kind) {
    case "string":
      if (v.$type === "IdentifierValue" && t.words?.includes(v.value)) return v.value;
      if (v.$type !== "StringValue") return wrong();
      if (v.value.length === 0) {
        c.report("KEF2011", v.range, `"${info.name}" cannot be empty`);
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
          const wanted = t.unit === "ms" ? "a duration" : t.unit === "bytes" ? "a size" : "a plain number";
          c.report("KEF2007", v.range, `"${info.name}" must be ${wanted}, not ${v.raw}`, {
            hint: t.unit ? `units for ${wanted}: ${Object.keys(units[t.unit]).join(", ")}` : `write it without a unit: ${info.name} = ${v.value}`,
          });
          return undefined;
        }
        // Round away float noise (0.1s = 100.00000000000001 ms); a real fraction stays one.
        n = Math.round(v.value * factor * 1e6) / 1e6;
      } else return wrong();
      const shown = v.$type === "QuantityValue" ? `${v.raw} (${n})` : v.raw;
      if (!Number.isInteger(n)) {
        c.report("KEF2007", v.range, `"${info.name}" must be a whole number${t.unit === "ms" ? " of milliseconds" : t.unit === "bytes" ? " of bytes" : ""}, not ${shown}`);
        return undefined;
      }
      if (n < t.min || n > t.max) {
        const seconds = t.unit === "ms" && v.$type === "NumberValue" && n < t.min && n * 1000 >= t.min ? `values are in milliseconds: did you mean ${v.raw}s?` : undefined;
        c.report("KEF2011", v.range, `"${info.name}" must be between ${t.min} and ${t.max}${t.unit === "ms" ? " ms" : ""}, not ${shown}`, { hint: seconds });
        return undefined;
      }
      return supportedByProducer(c, info, n, v.range);
    }
    case "enum": {
      const text = v.$type === "IdentifierValue" || v.$type === "StringValue" ? String(v.value) : undefined;
      if (text === undefined || !t.values.includes(text)) {
        c.report("KEF2007", v.range, `"${info.name}" must be one of ${t.values.join(", ")}, not ${text ?? String(v.value)}`, {
          hint: text === undefined ? undefined : didYouMean(text, t.values),
        });
        return undefined;
      }
      return supportedByProducer(c, info, text, v.range);
    }
  }
}

/** Reports `p` (when there is one) at `range`; true when it did. */
export function reportProblem(c: SettingsReporter, p: ValueProblem | undefined, range: Range): boolean {
  if (p) c.report(p.code, range, p.message, { hint: p.hint });
  return p !== undefined;
}

/**
 * KEF2009 at the setting for a producer setting kafkajs cannot honour (producers always run on kafkajs). Whether a
 * connection's client can honour a consumer setting is known only per connection (see {@link unsupportedOnClient}).
 */
function supportedByProducer(c: SettingsReporter, info: SettingInfo, value: Value, range: Range): Value | undefined {
  const u = info.unsupported;
  if (info.scope === "producer" && u && (u.values === undefined || u.values.includes(value as string | boolean))) {
    c.report("KEF2009", range, `${info.name}${u.values === undefined ? "" : ` = ${String(value)}`} is not supported by the ${u.client} producer: ${u.why}`);
    return undefined;
  }
  return value;
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
    if (!u || info.scope === "producer" || u.client !== client || !values.has(info.name)) continue;
    const value = values.get(info.name)!;
    if (u.values !== undefined && !u.values.includes(value as string | boolean)) continue;
    const own = draft.own.values.get(info.name);
    const written = own ?? (draft.kind === "exclusive" && info.inherited ? shared.values.get(info.name) : undefined);
    if (!written) continue; // a default a client cannot honour would be a catalogue bug
    const file = (own ? draft.own.file : shared.file) ?? draft.at.file;
    const place = `${file}:${written.range.start.offset}`;
    if (reported.has(place)) continue;
    reported.add(place);
    const inherited = own ? "" : ` (inherited by connection "${draft.name}")`;
    c.report("KEF2009", written.range, `${info.name}${u.values === undefined ? "" : ` = ${String(value)}`} is not supported by the ${client} client${inherited}: ${u.why}`, {
      hint: `choose the platformatic client: client = platformatic (on this connection or on shared)`,
      file,
    });
  }
}

export function resolveConnectionSettings(layers: readonly CheckedSettings[]): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const info of settingsCatalogue) if (info.default !== undefined) out.set(info.name, info.default);
  for (const layer of layers) for (const [k, v] of layer.values) out.set(k, v.value);
  return out;
}

export function connectionSettingsModel(values: Map<string, Value>, groupId: string): ConnectionSettingsModel {
  const n = (k: string) => values.get(k) as number;
  return {
    groupId,
    ...(values.has("groupInstanceId") ? { groupInstanceId: values.get("groupInstanceId") as string } : {}),
    ...(values.has("client") ? { client: values.get("client") as "kafkajs" | "platformatic" } : {}),
    sessionTimeoutMs: n("sessionTimeoutMs"),
    heartbeatIntervalMs: n("heartbeatIntervalMs"),
    maxPollIntervalMs: n("maxPollIntervalMs"),
    enableAutoCommit: values.get("enableAutoCommit") as boolean,
    autoCommitIntervalMs: n("autoCommitIntervalMs"),
    autoOffsetReset: values.get("autoOffsetReset") as "earliest" | "latest" | "none",
    ...(values.has("maxPollRecords") ? { maxPollRecords: n("maxPollRecords") } : {}),
    fetchMinBytes: n("fetchMinBytes"),
    fetchMaxWaitMs: n("fetchMaxWaitMs"),
    missingTopics: values.get("missingTopics") as "fail" | "wait",
  };
}

export function bufferSettingsModel(values: Map<string, Value>): BufferSettingsModel {
  return {
    maxBufferedMessages: values.get("maxBufferedMessages") as number,
    concurrency: values.get("concurrency") as number,
    backpressure: values.get("backpressure") as BufferSettingsModel["backpressure"],
  };
}

/** Settings inherited by exclusive connections from the shared block: all but identity (groupId). */
export function inheritable(s: CheckedSettings): CheckedSettings {
  return { values: new Map([...s.values].filter(([k]) => settingsByName.get(k)?.inherited)) };
}

export function onlyBuffer(s: CheckedSettings): CheckedSettings {
  return { values: new Map([...s.values].filter(([k]) => settingsByName.get(k)?.scope === "buffer")) };
}
