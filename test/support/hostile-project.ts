// A project that puts one string in every string-valued position of the .kef language and of Avro schemas:
// the .kef file's path (its `// source:` header), the schema file's path, group ids and every other string setting,
// Avro docs (records, fields, enums, fixed), defaults (strings, arrays, maps, unions), custom attributes and their
// keys, logical type names. Names (message, connection, alias, Avro names) are identifiers by the grammar and by
// Avro's rules, and topic names must pass kafkaTopicProblem, so those positions get the most the rules allow.
// What the hostile-strings test builds: once with a hostile string, once with a benign one, and compares.
import fs from "node:fs";
import path from "node:path";
import { stringSettingProblem } from "../../generator/check-literals.js";
import { settingsCatalogue } from "../../generator/settings.js";

/** String settings a valid project may set on a connection (kafkajs cannot honour the unsupported ones). */
export const stringSettings = settingsCatalogue.filter(
  (s) => s.type.kind === "string" && s.unsupported === undefined && s.scope === "connection",
);

/** A .kef string literal holding `text`: JSON, with everything outside printable ASCII as a \u escape. */
function kefString(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * `text` as a file-name part: no path separator, NUL, glob syntax or `#` (the `from` fragment separator), and
 * short enough for a file name (at most 150 bytes of UTF-8).
 */
export function fileNamePart(text: string): string {
  let out = "";
  for (const ch of text.replace(/[/\\\0*?[\]{}()!#]/g, "")) {
    if (Buffer.byteLength(out + ch) > 150) break;
    out += ch;
  }
  return out;
}

/**
 * `h` as a string setting's value, followed by `suffix`. The checker refuses invisible characters and whitespace at
 * either end in string settings (KEF2034), so those are taken out here; hostile-strings.test.ts pins the refusal.
 */
export function settingText(h: string, suffix: string): string {
  return `${[...h]
    .filter((ch) => stringSettingProblem(groupIdSetting, `g${ch}g`) === undefined)
    .join("")
    .trim()} ${suffix}`.trim();
}

const groupIdSetting = settingsCatalogue.find((s) => s.name === "groupId")!;

/** Settings of a connection block: its group id and every other string setting, each holding `h` (see `settingText`). */
function connectionSettings(h: string, group: string): string {
  return [
    `groupId = ${kefString(settingText(h, group))}`,
    ...stringSettings
      .filter((s) => s.name !== "groupId")
      .map((s) => `${s.name} = ${kefString(settingText(h, s.name))}`),
  ].join("\n  ");
}

function recordSchema(h: string, name: string): Record<string, unknown> {
  return {
    type: "record",
    name,
    namespace: "hostile.avro",
    doc: h,
    "x-custom": h,
    [`x-key ${h}`]: [h, { [h]: h }],
    aliases: [`${name}Old`],
    fields: [
      { name: "text", type: "string", doc: h, default: h, "x-field": h },
      {
        name: "level",
        type: { type: "enum", name: `${name}Level`, doc: h, symbols: ["LOW", "HIGH"], default: "LOW", "x-enum": h },
        doc: h,
        default: "HIGH",
      },
      { name: "key", type: { type: "fixed", name: `${name}Key`, size: 2, doc: h }, doc: h },
      { name: "tags", type: { type: "array", items: "string" }, doc: h, default: [h, h] },
      { name: "attrs", type: { type: "map", values: "string" }, doc: h, default: { [h]: h, plain: h } },
      { name: "maybe", type: ["string", "null"], doc: h, default: h },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 4, scale: 2, "x-note": h }, doc: h },
      { name: "odd", type: { type: "string", logicalType: h }, doc: h },
      {
        name: "nested",
        type: {
          type: "record",
          name: `${name}Nested`,
          doc: h,
          fields: [{ name: "n", type: "int", doc: h, default: 1 }],
        },
        doc: h,
      },
    ],
  };
}

export interface HostileProject {
  /** Where to run `kefgen build`: the .kef file's directory. */
  readonly cwd: string;
  /** The .kef file, relative to `cwd`. */
  readonly kefFile: string;
  /** The output directory, relative to `cwd`. */
  readonly out: string;
}

/**
 * Writes the project under `root` with `h` in every string position. `kefDir` is the .kef file's directory name
 * (e.g. `k*`, so that the header's relative path holds a comment terminator).
 */
export function writeHostileProject(root: string, h: string, kefDir: string): HostileProject {
  const cwd = path.join(root, kefDir);
  const schemaFile = `schemas/order ${fileNamePart(h)}.avsc`;
  fs.mkdirSync(path.join(cwd, "schemas"), { recursive: true });
  fs.writeFileSync(path.join(cwd, schemaFile), JSON.stringify(recordSchema(h, "Order"), null, 2));
  const kefFile = `probe ${fileNamePart(h)}.kef`;
  const kef = `// Hostile strings in every string position.
namespace hostile.probe

message Order from ${kefString(schemaFile)}
message Inline avro ${JSON.stringify(recordSchema(h, "Inline"), null, 2).replace(/"(?:[^"\\]|\\.)*"/g, (s) => kefString(JSON.parse(s) as string))}

shared {
  ${connectionSettings(h, "shared")}
}

connection named exclusive {
  ${connectionSettings(h, "named")}
}

topic "hostile.orders-1" as orders : Order
topic "hostile_inline" : Inline { consumer via named }
topic "hostile-own.2" : Inline {
  consumer exclusive {
  ${connectionSettings(h, "own")}
  }
}
`;
  fs.writeFileSync(path.join(cwd, kefFile), kef);
  return { cwd, kefFile, out: "../out" };
}
