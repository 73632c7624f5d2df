// Checks a message's codec schema with avsc exactly as the runtime builds it, remembering the answer by the schema's
// content: avsc compiles readers and writers with `new Function` for every record type, which costs more than the
// rest of checking the schema, so a schema that did not change (the next `analyse()` of the language server, a
// watch rebuild) is not compiled again.
import { avroType } from "../runtime/avro-codec.js";

/** Outcomes by the codec schema's text; what avsc threw, or undefined for a schema it accepts. */
const outcomes = new Map<string, { readonly error: unknown }>();
/** Bound on remembered schemas (an editor session edits many versions of a schema); past it the oldest go. */
const maxOutcomes = 20_000;

/** The schema as text; non-finite numbers (a JSON literal such as `1e999`) are kept apart from `null`. */
function keyOf(schema: unknown): string {
  return JSON.stringify(schema, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? { "\u0000number": String(value) } : value));
}

/** Builds the avsc type of `schema` (the first time for that content); throws what avsc threw. */
export function checkCodecSchema(schema: unknown): void {
  const key = keyOf(schema);
  let outcome = outcomes.get(key);
  if (!outcome) {
    try {
      avroType(schema);
      outcome = { error: undefined };
    } catch (error) {
      outcome = { error };
    }
    if (outcomes.size >= maxOutcomes) outcomes.delete(outcomes.keys().next().value!);
    outcomes.set(key, outcome);
  }
  if (outcome.error !== undefined) throw outcome.error;
}
