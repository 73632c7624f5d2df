// The table of schema changes in fixtures/compat/changes.json, read into kefgen's Avro model, for the rule tests
// and for the Java witness (both judge the same rows).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SchemaSide } from "../../generator/compat.js";
import { schemaSide } from "../../generator/schema-side.js";

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
  return schemaSide(json, file, name);
}
