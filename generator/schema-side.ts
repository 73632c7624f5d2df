// A self-contained Avro schema given as plain JSON (a registry's schema, a row of the compatibility table) read into
// kefgen's Avro model, as one side of a compatibility comparison (compat.ts).
import { collectInto, linkSchemas } from "./avro-link.js";
import { readSchema } from "./avro-read.js";
import type { SchemaSide } from "./compat.js";
import type { Diagnostic } from "./diagnostics.js";
import { parseJsonDocument } from "./parse.js";

/**
 * `json` as a side of a comparison, named `name` in paths (default: the root type's name). `file` is where it is
 * said to be written, for locations. Throws when the schema is not valid Avro, with the reasons.
 */
export function schemaSide(json: unknown, file = "schema.avsc", name?: string): SchemaSide {
  const text = JSON.stringify(json, null, 2);
  const parsed = parseJsonDocument({ file, absolutePath: `/${file}`, text });
  if (!parsed.value) throw new Error(`not JSON: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  const { schema, diagnostics } = readSchema({ file, json: parsed.value, namespace: undefined });
  const problems = diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  if (!schema) throw new Error(`not a valid Avro schema: ${problems.join("; ")}`);
  const linking: Diagnostic[] = [];
  const named = linkSchemas(collectInto(linking), [{ name: "T", schema }]);
  problems.push(...linking.map((d) => d.message));
  if (problems.length > 0) throw new Error(`not a valid Avro schema: ${problems.join("; ")}`);
  const byName = new Map(named.map((t) => [t.fullName, t]));
  const rootName =
    schema.root.kind === "record" || schema.root.kind === "enum" || schema.root.kind === "fixed"
      ? schema.root.name
      : "value";
  return { root: schema.root, lookup: (n) => byName.get(n), name: name ?? rootName, at: { file, range: schema.range } };
}
