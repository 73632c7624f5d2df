// The table of schema changes in fixtures/compat/changes.json, read into kefgen's Avro model, for the rule tests
// and for the Java witness (both judge the same rows).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { linkSchemas, readSchema } from "../../generator/avro.js";
import type { SchemaSide } from "../../generator/compat.js";
import { parseJsonDocument } from "../../generator/parse.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const changesFile = path.join(repoRoot, "fixtures/compat/changes.json");

/** One schema change: its old and new schema, and Avro's verdict in each direction. */
export interface Change {
  readonly change: string;
  readonly old: unknown;
  readonly new: unknown;
  /** The new schema reads data written with the old one. */
  readonly backward: boolean;
  /** The old schema reads data written with the new one. */
  readonly forward: boolean;
  readonly note?: string;
}

export const changes: readonly Change[] = JSON.parse(fs.readFileSync(changesFile, "utf8")) as Change[];

/** A schema (plain JSON) as a side of a comparison, named `name` in paths. Throws when the schema is invalid. */
export function side(json: unknown, file = "test.avsc", name?: string): SchemaSide {
  const text = JSON.stringify(json, null, 2);
  const parsed = parseJsonDocument({ file, absolutePath: `/${file}`, text });
  if (!parsed.value) throw new Error(`bad test JSON: ${JSON.stringify(parsed.diagnostics)}`);
  const { schema, diagnostics } = readSchema({ file, json: parsed.value, namespace: undefined });
  const problems = diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
  if (!schema) throw new Error(`bad test schema: ${problems.join("; ")}`);
  const named = linkSchemas({ report: (_c, _r, message) => problems.push(message) }, [{ name: "T", schema }]);
  if (problems.length > 0) throw new Error(`bad test schema: ${problems.join("; ")}`);
  const byName = new Map(named.map((t) => [t.fullName, t]));
  const rootName = schema.root.kind === "record" || schema.root.kind === "enum" || schema.root.kind === "fixed" ? schema.root.name : "value";
  return { root: schema.root, lookup: (n) => byName.get(n), name: name ?? rootName, at: { file, range: schema.range } };
}
