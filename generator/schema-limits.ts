// How big one Avro schema may be. Parsing costs about a second per 100,000 JSON values, and avsc compiles a record
// into a function with one parameter per field (V8 allows 65,534): a schema beyond the limit is refused (catalogue
// entry schemaTooLarge) before it is parsed (schema files) or walked (inline schemas), and before avsc sees it.
import type { JsonValue } from "../grammar/ast.js";
import { messages, problem, type Problem } from "./catalogue.js";

/** The most JSON values one schema may hold; object keys count as values. */
export const maxSchemaValues = 100_000;

const structural = new Set(["{", "}", "[", "]", ",", ":", " ", "\t", "\n", "\r", '"']);

/**
 * Counts the JSON values of a text without parsing it (strings, numbers and words, and each `{` and `[`), stopping
 * once the count passes `limit`. For valid JSON it is the number of nodes the parser would build, keys included.
 */
export function countJsonValues(text: string, limit = maxSchemaValues): number {
  let count = 0;
  let i = 0;
  while (i < text.length && count <= limit) {
    const c = text[i]!;
    if (c === '"') {
      count++;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "{" || c === "[") {
      count++;
      i++;
    } else if (structural.has(c)) {
      i++;
    } else {
      count++;
      while (i < text.length && !structural.has(text[i]!)) i++;
    }
  }
  return count;
}

/** The number of nodes of a parsed schema (keys included), stopping once the count passes `limit`. */
export function countJsonNodes(json: JsonValue, limit = maxSchemaValues): number {
  let count = 0;
  const todo: JsonValue[] = [json];
  while (todo.length > 0 && count <= limit) {
    const v = todo.pop()!;
    count++;
    if (v.$type === "JsonObject") {
      for (const m of v.members) {
        count++;
        if (m.value) todo.push(m.value);
      }
    } else if (v.$type === "JsonArray") todo.push(...v.items);
  }
  return count;
}

/** The problem of a schema over the limit; `what` names it (`schema file "x.avsc"`, `the schema of message "Order"`). */
export function schemaTooLarge(what: string): Problem {
  return problem(messages.schemaTooLarge, { what, limit: maxSchemaValues.toLocaleString("en-US") });
}
