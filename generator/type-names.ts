// TypeScript names for named Avro types: a message's root type takes the message's name, others their simple
// Avro name, qualified by namespace when two types share one. Identical definitions are declared once.
import type { Range } from "../grammar/ast.js";
import type { AvroNamed } from "./avro.js";
import type { DiagnosticCode, RelatedLocation } from "./diagnostics.js";
import { pascalCase, safeTypeName, type MessageModel } from "./model.js";

/** Where naming problems are reported (the checker). */
export interface TypeNameReporter {
  report(code: DiagnosticCode, range: Range, message: string, extra?: { hint?: string; related?: RelatedLocation[]; file?: string }): void;
}

/**
 * Gives every named Avro type a TypeScript name: a message's root type takes the message's name, others their
 * simple Avro name, qualified by namespace when two types share one. Identical definitions are declared once.
 */
export function nameTypes(c: TypeNameReporter, messages: readonly MessageModel[]): { typeNames: Map<string, string>; namedTypes: AvroNamed[] } {
  const typeNames = new Map<string, string>();
  const namedTypes: AvroNamed[] = [];
  const taken = new Set(messages.map((m) => m.name));
  for (const m of messages) {
    const root = m.schema.root;
    if ((root.kind === "record" || root.kind === "enum" || root.kind === "fixed") && !typeNames.has(root.fullName)) {
      typeNames.set(root.fullName, m.name);
    }
  }
  for (const m of messages) {
    for (const t of m.schema.named) {
      const same = namedTypes.find((n) => n.fullName === t.fullName);
      if (!same) namedTypes.push(t);
      else if (shapeOf(same) !== shapeOf(t)) {
        const other = messages.find((x) => x.schema.named.includes(same))!;
        c.report("KEF3001", t.range, `Avro type "${t.fullName}" is defined again with a different shape`, {
          file: m.schema.file,
          hint: "one name, one definition: rename one of them or make them identical",
          related: [{ message: `the other definition, in the schema of message "${other.name}"`, file: other.schema.file, range: same.range }],
        });
      }
      if (typeNames.has(t.fullName)) continue;
      let name = safeTypeName(t.name);
      if (taken.has(name)) name = safeTypeName(pascalCase(t.fullName));
      let i = 2;
      const base = name;
      while (taken.has(name)) name = `${base}${i++}`;
      taken.add(name);
      typeNames.set(t.fullName, name);
    }
  }
  return { typeNames, namedTypes };
}

/** A named type's structure without source positions, to tell identical definitions from conflicting ones. */
function shapeOf(t: AvroNamed): string {
  return JSON.stringify(t, (key, value: unknown) => (key === "range" ? undefined : value));
}
