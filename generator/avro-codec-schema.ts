// The self-contained schema of a message's codec: what the generated code hands the runtime to build the codec from.
import { isObject, walkSchemaJson, type SchemaJsonHooks } from "./avro-schema-json.js";
import { qualify, type AvroNamed, type AvroSchema, type NamedLookup } from "./avro-types.js";

/**
 * The self-contained schema of a message's codec: its schema as written, where each named type it uses but does
 * not define (another message's, or one defined further on) is defined at its first use. Definitions moved to
 * another namespace context carry their namespace explicitly; every other part stays as written.
 */
export function codecSchema(schema: AvroSchema, lookup: NamedLookup): unknown {
  const emitted = new Set<string>();
  const definition = (t: AvroNamed, namespace: string | undefined): unknown => {
    emitted.add(t.fullName);
    const body = walkSchemaJson(t.json, t.enclosingNamespace, rewriting, true);
    if (t.enclosingNamespace === namespace || !isObject(body)) return body;
    // Written elsewhere: name it explicitly, so that it means the same type here.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === "namespace") continue;
      out[k] = v;
      if (k === "name") {
        out["name"] = t.name;
        out["namespace"] = t.namespace ?? "";
      }
    }
    return out;
  };
  const rewriting: SchemaJsonHooks = {
    reference: (name, namespace) => {
      const fullName = qualify(name, namespace).fullName;
      if (emitted.has(fullName)) return name;
      const target = lookup(fullName);
      if (!target) throw new Error(`internal: Avro type ${fullName} was not linked`);
      return definition(target, namespace);
    },
    definition: (_json, q, top, inside) => {
      // A second definition of a type (another copy of an identical one) becomes a use of the first.
      if (!top && emitted.has(q.fullName)) return q.fullName;
      emitted.add(q.fullName);
      return inside();
    },
  };
  return schema.selected ? definition(schema.selected, undefined) : walkSchemaJson(schema.json, undefined, rewriting);
}
