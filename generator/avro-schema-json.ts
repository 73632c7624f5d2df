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

/** Walks `json` (a schema written where `namespace` is in effect), rebuilding it through `hooks`. */
export function walkSchemaJson(
  json: unknown,
  namespace: string | undefined,
  hooks: SchemaJsonHooks,
  top = false,
): unknown {
  if (typeof json === "string") return isPrimitive(json) ? json : hooks.reference(json, namespace);
  if (Array.isArray(json)) return json.map((b) => walkSchemaJson(b, namespace, hooks));
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
      return {
        ...json,
        fields: fields.map((f: unknown) =>
          isObject(f) ? { ...f, type: walkSchemaJson(f["type"], q.namespace, hooks) } : f,
        ),
      };
    };
    return hooks.definition(json, q, top, inside);
  }
  if (type === "array") return { ...json, items: walkSchemaJson(json["items"], namespace, hooks) };
  if (type === "map") return { ...json, values: walkSchemaJson(json["values"], namespace, hooks) };
  // {"type": "some.Named"}: a use of a named type in object form.
  if (typeof type === "string" && !isPrimitive(type)) return hooks.reference(type, namespace);
  return json;
}
