// Whether avsc is certain to accept a codec schema, decided without building its type: building it compiles a
// constructor and a writer per record with `new Function`, which made checking 800 schemas cost ~0.45 s of CPU in a
// cold `kefgen check`. codec-check.ts builds the type only for the schemas this cannot vouch for, so every verdict
// and error text is still avsc's own.
//
// It retraces what avsc 5.7's `Type.forSchema` does with the runtime's typeHook (runtime/avro-codec.ts `avroType`)
// over a subset of schemas, and answers false for anything outside it: odd property types, names that are also
// Object.prototype's (avsc keeps types and symbols in plain objects), defaults other than the simple ones below,
// anonymous named types, `error`, nested unions, deep nesting, huge records. test/generator/codec-accepts.test.ts
// checks, on every schema of the fixtures and on many generated and hostile ones, that avsc accepts each schema
// this accepts.
//
// What avsc checks, and where (node_modules/avsc/lib/types.js):
//   names (Type)       each part of the full name matches NAME_PATTERN; not a primitive's name; not defined twice
//   record             fields an array of objects with valid, distinct names; each field's type; order; default
//                      (`_copy` with coerce 2, wrap 2: a union's default is its first branch's)
//   enum               symbols a non-empty array of valid, distinct names; its default one of them
//   fixed              size an int32 ≥ 0
//   array, map         items, values present
//   union              not empty, no union directly inside, branch names distinct; the runtime wraps a union whose
//                      branches share a bucket, and an unwrapped one has distinct buckets, so avsc's ambiguity check
//                      cannot fail
//   references         a primitive, or a named type defined before (in avsc's walk order) under its full name
//   logical types      built on their underlying type, which avsc checks as above; their defaults are not decided
//                      here (their classes convert them)
import { LONG_REPRESENTATION_PROPERTY, readLogicalType } from "../runtime/avro-representation.js";

/** avsc's NAME_PATTERN (lib/utils.js). */
const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const primitives = new Set(["null", "boolean", "int", "long", "float", "double", "bytes", "string"]);
const orders = new Set(["ascending", "descending", "ignore"]);
/** Nesting and size past which avsc is left to decide (its recursion and compiled code grow with them). */
const maxDepth = 64;
const maxFields = 1000;

/** Thrown inside the walk when the schema is outside what this decides; caught by {@link avscAccepts}. */
const undecided = Symbol("undecided");

type Json = Readonly<Record<string, unknown>>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A name avsc accepts and stores without colliding with Object.prototype's properties. */
function validName(s: unknown): s is string {
  return typeof s === "string" && namePattern.test(s) && !(s in Object.prototype);
}

/** A full name or a namespace: valid parts, no leading dot (which avsc strips: left to it). */
const dottedPattern = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function validDotted(s: string): boolean {
  return dottedPattern.test(s);
}

function need(condition: boolean): asserts condition {
  if (!condition) throw undecided;
}

/** A `doc` avsc turns into text (`'' + doc`) without calling user-controlled conversions. */
function plainDoc(doc: unknown): boolean {
  return doc === undefined || doc === null || ["string", "number", "boolean"].includes(typeof doc);
}

/** What the walk knows of a type for its parent: its union branch name, its default rule. */
interface Built {
  /** avsc's `branchName`: a named type's full name, else the (underlying) type's name. */
  readonly branch: string;
  /** Whether `value` is a default avsc takes for this type (its `_copy` and the writer's encoding), if decided. */
  readonly acceptsDefault: (value: unknown) => boolean;
}

const noDefault = (): boolean => {
  throw undecided;
};

/**
 * True only when avsc (as `avroType` builds it) accepts `schema`; false when it may not, or when this does not
 * decide it. Never throws.
 */
export function avscAccepts(schema: unknown): boolean {
  const registry = new Map<string, Built>();

  const fullName = (name: string, namespace: string | undefined): string => {
    need(validDotted(name) && !primitives.has(name.slice(name.lastIndexOf(".") + 1)));
    const full = name.includes(".") || !namespace ? name : `${namespace}.${name}`;
    need(validDotted(full) && !(full in Object.prototype) && !registry.has(full));
    return full;
  };

  const named = (s: Json, namespace: string | undefined): string => {
    need(typeof s["name"] === "string" && plainDoc(s["doc"]));
    const aliases = s["aliases"];
    need(
      aliases === undefined ||
        (Array.isArray(aliases) && aliases.every((a) => typeof a === "string" && validDotted(a))),
    );
    return fullName(s["name"], namespace);
  };

  const walk = (s: unknown, namespace: string | undefined, depth: number): Built => {
    need(depth <= maxDepth);
    if (typeof s === "string") {
      if (primitives.has(s)) return primitive(s);
      // A reference: to a type defined before, under its full name.
      need(validDotted(s) && !primitives.has(s.slice(s.lastIndexOf(".") + 1)));
      const target = registry.get(s.includes(".") || !namespace ? s : `${namespace}.${s}`);
      need(target !== undefined);
      return target;
    }
    if (Array.isArray(s)) {
      need(s.length > 0);
      const branches = s.map((b) => {
        need(!Array.isArray(b));
        return walk(b, namespace, depth + 1);
      });
      need(new Set(branches.map((b) => b.branch)).size === branches.length);
      // A default is its first branch's (wrap 2); only null for a null first branch is decided here.
      const first = branches[0]!.branch;
      return { branch: "union", acceptsDefault: (v) => (first === "null" && v === null ? true : noDefault()) };
    }
    need(isPlainObject(s));
    const type = s["type"];
    need(typeof type === "string");
    const logical = readLogicalType(s);
    // An interpreted logical type converts its default through its class: left to avsc.
    const interpreted = logical?.status === "interpreted";
    const typed = (built: Built): Built => (interpreted ? { branch: built.branch, acceptsDefault: noDefault } : built);
    switch (type) {
      case "long":
        return typed(
          s[LONG_REPRESENTATION_PROPERTY] === "bigint"
            ? { branch: "long", acceptsDefault: noDefault }
            : primitive(type),
        );
      case "null":
      case "boolean":
      case "int":
      case "float":
      case "double":
      case "bytes":
      case "string":
        return typed(primitive(type));
      case "array":
        need(s["items"] !== undefined);
        walk(s["items"], namespace, depth + 1);
        return typed({ branch: "array", acceptsDefault: noDefault });
      case "map":
        need(s["values"] !== undefined);
        walk(s["values"], namespace, depth + 1);
        return typed({ branch: "map", acceptsDefault: noDefault });
      case "fixed": {
        const size = s["size"];
        need(typeof size === "number" && size === (size | 0) && size >= 0);
        const full = named(s, s["namespace"] === undefined ? namespace : namespaceOf(s["namespace"]));
        const built = typed({ branch: full, acceptsDefault: noDefault });
        registry.set(full, built);
        return built;
      }
      case "enum": {
        const full = named(s, s["namespace"] === undefined ? namespace : namespaceOf(s["namespace"]));
        const symbols: unknown = s["symbols"];
        need(Array.isArray(symbols) && symbols.length > 0 && symbols.every(validName));
        const symbolSet = new Set<unknown>(symbols);
        need(symbolSet.size === symbols.length);
        need(s["default"] === undefined || symbolSet.has(s["default"]));
        const built = typed({ branch: full, acceptsDefault: (v) => typeof v === "string" && symbolSet.has(v) });
        registry.set(full, built);
        return built;
      }
      case "record": {
        // The fields' namespace: the record's own, else the one its full name implies, else the enclosing one.
        const own = s["namespace"] === undefined ? undefined : namespaceOf(s["namespace"]);
        const full = named(s, own ?? namespace);
        const inner = own ?? (full.includes(".") ? full.slice(0, full.lastIndexOf(".")) : namespace);
        // Registered before its fields are built, so that they may refer to it.
        const built = typed({ branch: full, acceptsDefault: noDefault });
        registry.set(full, built);
        const fields = s["fields"];
        need(Array.isArray(fields) && fields.length <= maxFields);
        const names = new Set<string>();
        for (const field of fields as unknown[]) {
          need(isPlainObject(field) && validName(field["name"]) && !names.has(field["name"]));
          names.add(field["name"]);
          need(field["type"] !== undefined && plainDoc(field["doc"]));
          need(field["order"] === undefined || (typeof field["order"] === "string" && orders.has(field["order"])));
          const fieldType = walk(field["type"], inner, depth + 1);
          if (field["default"] !== undefined) need(fieldType.acceptsDefault(field["default"]));
        }
        return built;
      }
      default:
        // error, a union or anything else as "type": left to avsc.
        throw undecided;
    }
  };

  try {
    walk(schema, undefined, 0);
    return true;
  } catch (error) {
    if (error === undecided) return false;
    throw error;
  }
}

/** A namespace as a record or a named type writes it: "" (none) or valid parts. */
function namespaceOf(namespace: unknown): string {
  need(typeof namespace === "string" && (namespace === "" || validDotted(namespace)));
  return namespace as string;
}

/** Primitive types and the defaults their `_copy` (the runtime's long, avsc's others) and writer take. */
const primitiveTypes: ReadonlyMap<string, Built> = new Map<string, Built>([
  ["null", { branch: "null", acceptsDefault: (v) => v === null }],
  ["boolean", { branch: "boolean", acceptsDefault: (v) => typeof v === "boolean" }],
  ["int", { branch: "int", acceptsDefault: (v) => typeof v === "number" && v === (v | 0) }],
  ["long", { branch: "long", acceptsDefault: (v) => Number.isSafeInteger(v) }],
  ["float", { branch: "float", acceptsDefault: (v) => typeof v === "number" }],
  ["double", { branch: "double", acceptsDefault: (v) => typeof v === "number" }],
  ["string", { branch: "string", acceptsDefault: (v) => typeof v === "string" }],
  // bytes: avsc reads a default's text as bytes; left to it.
  ["bytes", { branch: "bytes", acceptsDefault: noDefault }],
]);

function primitive(type: string): Built {
  return primitiveTypes.get(type)!;
}
