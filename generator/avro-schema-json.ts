// One walk over an Avro schema's plain JSON (as written, names relative to their namespace), for the passes that
// rewrite it: the definition key linking compares (avro-link.ts) and the codec's self-contained schema
// (avro-codec-schema.ts). The walk knows where names are and which namespace they are in; the hooks decide what
// a type name and a named type's definition become.
import { isPrimitive, qualify } from "./avro-types.js";

/** What a walk makes of the two places where names matter; everything else is copied as it is walked. */
export interface SchemaJsonHooks {
  /** A use of a named type, as written (`name`, maybe relative to `namespace`): what replaces it. */
  reference(name: string, namespace: string | undefined): unknown;
  /**
   * A named type's definition (record, error, enum, fixed) with its full name; `top` for the definition the walk
   * started at. `inside()` walks its fields' types (in the definition's own namespace) and returns the definition
   * with them replaced; a hook that does not call it leaves them unwalked.
   */
  definition(
    json: Readonly<Record<string, unknown>>,
    name: ReturnType<typeof qualify>,
    top: boolean,
    inside: () => unknown,
  ): unknown;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isNamedKind(type: unknown): boolean {
  return type === "record" || type === "error" || type === "enum" || type === "fixed";
}

/**
 * Walks `json` (a schema written where `namespace` is in effect), rebuilding it through `hooks`. A part the walk left
 * as it was is returned as the same object, not a copy (schemas are read-only), so that a schema whose names need no
 * rewriting costs no allocation.
 */
export function walkSchemaJson(
  json: unknown,
  namespace: string | undefined,
  hooks: SchemaJsonHooks,
  top = false,
): unknown {
  if (typeof json === "string") return isPrimitive(json) ? json : hooks.reference(json, namespace);
  if (Array.isArray(json)) return mapUnlessSame(json, (b) => walkSchemaJson(b, namespace, hooks));
  if (!isObject(json)) return json;
  const type = json["type"];
  if (typeof type === "string" && isNamedKind(type)) {
    const q = qualify(
      String(json["name"]),
      typeof json["namespace"] === "string" ? json["namespace"] || undefined : namespace,
    );
    const inside = (): unknown => {
      const fields = json["fields"];
      if (!Array.isArray(fields)) return json;
      const walked = mapUnlessSame(fields, (f: unknown) => {
        if (!isObject(f)) return f;
        const type = walkSchemaJson(f["type"], q.namespace, hooks);
        return type === f["type"] && "type" in f ? f : { ...f, type };
      });
      return walked === fields ? json : { ...json, fields: walked };
    };
    return hooks.definition(json, q, top, inside);
  }
  if (type === "array") {
    const items = walkSchemaJson(json["items"], namespace, hooks);
    return items === json["items"] && "items" in json ? json : { ...json, items };
  }
  if (type === "map") {
    const values = walkSchemaJson(json["values"], namespace, hooks);
    return values === json["values"] && "values" in json ? json : { ...json, values };
  }
  // {"type": "some.Named"}: a use of a named type in object form.
  if (typeof type === "string" && !isPrimitive(type)) return hooks.reference(type, namespace);
  return json;
}

/** `items.map(f)`, or `items` itself when `f` returned every item as it was. */
function mapUnlessSame(items: readonly unknown[], f: (item: unknown) => unknown): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const walked = f(items[i]);
    if (out) out.push(walked);
    else if (walked !== items[i]) {
      out = items.slice(0, i);
      out.push(walked);
    }
  }
  return out ?? items;
}
