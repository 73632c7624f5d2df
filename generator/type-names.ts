// TypeScript names for named Avro types. A message's root type takes the message's name; other types their simple
// Avro name, made valid and unique:
//   - a TypeScript keyword or a global the generated code uses gets a "_" suffix (`Date` → `Date_`);
//   - a name another generated file exports by pattern (…Consumer, …Consumers, …Handlers, …Connections, …Codec)
//     gets a "Type" suffix, because index.ts re-exports every file and TypeScript rejects a name exported twice;
//   - a name already taken (two namespaces, one simple name) takes its namespace (`shop.alerts.Severity` →
//     `ShopAlertsSeverity`), then a number if that is taken too.
// Names are given in the order the messages use the types, so the same input always gives the same names.
import type { AvroNamed } from "./avro-types.js";
import { pascalCase, safeTypeName, type MessageModel } from "./model.js";
import { endsLikeGeneratedName } from "./names.js";

/**
 * The TypeScript name of every named Avro type the messages use, by full name. `namedTypes` are the messages' types
 * as linked across schemas (`linkSchemas` in avro.ts: identical definitions in several schemas are one type).
 */
export function nameTypes(messages: readonly MessageModel[], namedTypes: readonly AvroNamed[]): Map<string, string> {
  const typeNames = new Map<string, string>();
  const taken = new Set(messages.map((m) => m.name));
  for (const m of messages) {
    const root = m.schema.root;
    if ((root.kind === "record" || root.kind === "enum" || root.kind === "fixed") && !typeNames.has(root.fullName)) {
      typeNames.set(root.fullName, m.name);
    }
  }
  for (const t of namedTypes) {
    if (typeNames.has(t.fullName)) continue;
    let name = unreserved(safeTypeName(t.name));
    if (taken.has(name)) name = unreserved(safeTypeName(pascalCase(t.fullName)));
    const base = name;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    typeNames.set(t.fullName, name);
  }
  return typeNames;
}

function unreserved(name: string): string {
  return endsLikeGeneratedName(name) ? `${name}Type` : name;
}
