// How avro-read.ts reads a schema's JSON: as located JSON nodes (a schema file, an inline schema the grammar read),
// or as plain values (`JSON.parse` of an inline schema's text, grammar/inline-plain.ts) whose ranges are found only
// when read, by locating the value's path in the located JSON of the same text, built then (once per schema). The
// walk is the same for both; only what a value is and where it is differ.
import type { JsonValue, Range } from "../grammar/ast.js";

export type JsonKind = JsonValue["$type"];

/** What the walk asks of a JSON value `V`. */
export interface JsonView<V> {
  kind(v: V): JsonKind;
  /** The value of an object's member `key` (the first, if written twice), or undefined. */
  member(object: V, key: string): V | undefined;
  items(array: V): readonly V[];
  /** A string's or a number's value. */
  string(v: V): string;
  number(v: V): number;
  /** The value as plain JSON (object keys named `__proto__` kept as own properties). */
  plain(v: V): unknown;
  /** Where the value is written. */
  range(v: V): Range;
  /** The ranges of every object key named `__proto__`, in document order. */
  protoKeys(root: V): Range[];
}

type JsonObject = Extract<JsonValue, { $type: "JsonObject" }>;

/** The located view: the nodes of grammar/ast.ts, each object and array converted to plain JSON once. */
export function locatedView(): JsonView<JsonValue> {
  const seen = new Map<JsonValue, unknown>();
  return {
    kind: (v) => v.$type,
    member: (o, key) => (o as JsonObject).members.find((m) => m.key.value === key)?.value,
    items: (a) => (a as Extract<JsonValue, { $type: "JsonArray" }>).items,
    string: (v) => (v as { value: string }).value,
    number: (v) => (v as { value: number }).value,
    plain: (v) => toPlain(v, seen),
    range: (v) => v.range,
    protoKeys(root) {
      const out: Range[] = [];
      const visit = (v: JsonValue): void => {
        if (v.$type === "JsonObject") {
          for (const m of v.members) {
            if (m.key.value === "__proto__") out.push(m.key.range);
            if (m.value) visit(m.value);
          }
        } else if (v.$type === "JsonArray") v.items.forEach(visit);
      };
      visit(root);
      return out;
    },
  };
}

/**
 * Converts located JSON into plain JSON. Object keys named `__proto__` are kept as own properties. With `seen`,
 * objects and arrays already converted are taken from it (shared: the schema model is read-only) and new ones added.
 */
function toPlain(v: JsonValue, seen?: Map<JsonValue, unknown>): unknown {
  switch (v.$type) {
    case "JsonObject": {
      const known = seen?.get(v);
      if (known !== undefined) return known;
      const out: Record<string, unknown> = {};
      for (const m of v.members) {
        if (m.value === undefined) continue;
        // Only `__proto__` needs defineProperty (assigning it would set the prototype); defining every key would
        // turn each object into a slow dictionary-mode one, which costs every later walk over the schema.
        if (m.key.value === "__proto__")
          Object.defineProperty(out, m.key.value, {
            value: toPlain(m.value, seen),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[m.key.value] = toPlain(m.value, seen);
      }
      seen?.set(v, out);
      return out;
    }
    case "JsonArray": {
      const known = seen?.get(v);
      if (known !== undefined) return known;
      const out = v.items.map((i) => toPlain(i, seen));
      seen?.set(v, out);
      return out;
    }
    case "JsonString":
    case "JsonNumber":
    case "JsonBoolean":
      return v.value;
    case "JsonNull":
      return null;
  }
}

/**
 * A plain JSON value in a schema and its place: the member or item of its parent's value it is (the root has no
 * parent). Made for the values the walk visits; a string or a number has no identity of its own to locate it by.
 */
export interface PlainAt {
  readonly value: unknown;
  readonly parent: PlainAt | undefined;
  readonly key: string | number;
}

/**
 * A schema read as plain values. Only for JSON where plain and located reading agree (grammar/inline-plain.ts: no
 * key written twice in an object, no `__proto__` key), so a path names one located node.
 */
export interface PlainJson {
  readonly value: unknown;
  /** The located JSON of the same text; built when a range is first read. */
  located(): JsonValue;
}

/** The plain view of one schema; its ranges come from `json.located()` (asked once), by path. */
export function plainView(json: PlainJson): { view: JsonView<PlainAt>; root: PlainAt } {
  let tree: JsonValue | undefined;
  const kind = (v: unknown): JsonKind =>
    v === null
      ? "JsonNull"
      : Array.isArray(v)
        ? "JsonArray"
        : typeof v === "object"
          ? "JsonObject"
          : typeof v === "string"
            ? "JsonString"
            : typeof v === "number"
              ? "JsonNumber"
              : "JsonBoolean";
  const view: JsonView<PlainAt> = {
    kind: (at) => kind(at.value),
    member(at, key) {
      const o = at.value as Record<string, unknown>;
      return Object.prototype.hasOwnProperty.call(o, key) ? { value: o[key], parent: at, key } : undefined;
    },
    items: (at) => (at.value as readonly unknown[]).map((value, key) => ({ value, parent: at, key })),
    string: (at) => at.value as string,
    number: (at) => at.value as number,
    plain: (at) => at.value,
    range(at) {
      const path: (string | number)[] = [];
      for (let p: PlainAt | undefined = at; p?.parent; p = p.parent) path.push(p.key);
      let node = (tree ??= json.located());
      for (let i = path.length - 1; i >= 0; i--) {
        const key = path[i]!;
        const next =
          node.$type === "JsonArray" && typeof key === "number"
            ? node.items[key]
            : node.$type === "JsonObject"
              ? node.members.find((m) => m.key.value === key)?.value
              : undefined;
        if (!next) throw new Error(`kefgen: no located JSON at ${JSON.stringify(path.slice(i).reverse())}`);
        node = next;
      }
      return node.range;
    },
    protoKeys: () => [],
  };
  return { view, root: { value: json.value, parent: undefined, key: "" } };
}

/**
 * The properties `withOnRead` adds, by name: one getter function each, shared by every object (V8 keeps an accessor's
 * functions in the object's hidden class, so a getter made per object would give each object a class of its own and
 * make every access to the model megamorphic), and the symbol under which each object keeps its own way to the value:
 * a non-enumerable own property, which `for…in`, `Object.keys`, spreading and deep equality pass over. (A WeakMap from
 * object to function did the same at about twice the cost of making the large file's ~30,000 objects.)
 */
const onRead = new Map<string, { readonly made: symbol; readonly property: PropertyDescriptor }>();

/**
 * `head`, then its property `key` read through `get` (an own enumerable accessor, so that it shows as the value it
 * gives), then `tail`'s properties (if any): the object as it would be written `{ ...head, [key]: get(), ...tail }`, with
 * `get()` called only when the property is read (each time: `get` returns the same object each time).
 */
export function withOnRead<H extends object, K extends string, V, T extends object = object>(
  head: H,
  key: K,
  get: () => V,
  tail?: T,
): H & { readonly [k in K]: V } & T {
  let shared = onRead.get(key);
  if (!shared) {
    const made = Symbol(key);
    const property: PropertyDescriptor = {
      configurable: true,
      enumerable: true,
      get(this: Record<symbol, () => unknown>): unknown {
        return this[made]!();
      },
    };
    onRead.set(key, (shared = { made, property }));
  }
  Object.defineProperty(head, shared.made, { value: get });
  Object.defineProperty(head, key, shared.property);
  return (tail ? Object.assign(head, tail) : head) as H & { readonly [k in K]: V } & T;
}
