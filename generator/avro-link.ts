// Linking every message's schema: a schema may use named types another message's schema defines. Type names are
// resolved across schemas, one name defined two different ways is rejected, and each message's self-contained codec
// schema (avro-codec-schema.ts) is checked with avsc exactly as the runtime builds it.
import type { Range } from "../grammar/ast.js";
import { isObject, walkSchemaJson, type SchemaJsonHooks } from "./avro-schema-json.js";
import {
  primitiveNames,
  qualify,
  type AvroNamed,
  type AvroRef,
  type AvroSchema,
  type AvroType,
  type NamedLookup,
} from "./avro-types.js";
import { messages, notes, type MessageArgs, type MessageDef } from "./catalogue.js";
import { checkMessageCodec } from "./codec-check.js";
import { closest, diagnostic, related, type Diagnostic, type RelatedLocation } from "./diagnostics.js";

/** Where linking reports problems (the checker's `accept`): a catalogue entry, in `extra.file`. */
export interface LinkReporter {
  accept<M extends MessageDef>(
    entry: M,
    range: Range,
    args: MessageArgs<M>,
    extra: { file: string; hint?: string; related?: RelatedLocation[] },
  ): void;
}

/** A reporter that collects the diagnostics (for linking outside the checker: schema-side.ts, tests). */
export function collectInto(diagnostics: Diagnostic[]): LinkReporter {
  return { accept: (entry, range, args, extra) => diagnostics.push(diagnostic(entry, args, { ...extra, range })) };
}

/**
 * Links every message's schema: resolves type names across schemas (a schema may use a type another message's
 * schema defines), rejects one name defined two different ways, and checks each message's self-contained codec
 * schema with avsc exactly as the runtime builds it. Returns the named types the messages use, in first-use order.
 */
export function linkSchemas(
  r: LinkReporter,
  schemas: readonly { readonly name: string; readonly schema: AvroSchema }[],
): AvroNamed[] {
  const pool = new Map<string, AvroNamed>();
  for (const m of schemas) {
    for (const t of m.schema.named) {
      const first = pool.get(t.fullName);
      if (!first) pool.set(t.fullName, t);
      // Definitions are compared only when a name is defined twice (keys cost a walk and a sort of the schema).
      else if (definitionKey(first) !== definitionKey(t)) {
        const owner = schemas.find((x) => x.schema.named.includes(first))!;
        r.accept(
          messages.typeDefinedDifferently,
          t.range,
          { name: t.fullName },
          {
            file: t.file,
            related: [related(notes.otherDefinition, { message: owner.name }, first)],
          },
        );
      }
    }
  }
  const lookup: NamedLookup = (fullName) => pool.get(fullName);
  const reported = new Set<string>();
  for (const m of schemas) {
    let resolved = true;
    for (const ref of m.schema.refs) {
      if (pool.has(ref.fullName)) continue;
      resolved = false;
      const at = `${ref.file}:${ref.range.start.offset}`;
      if (reported.has(at)) continue;
      reported.add(at);
      r.accept(
        messages.unknownType,
        ref.range,
        { name: ref.fullName },
        { file: ref.file, hint: unknownTypeHint(ref, pool) },
      );
    }
    if (!resolved || !m.schema.complete) continue;
    try {
      checkMessageCodec(m.schema, lookup);
    } catch (error) {
      // A RangeError or SyntaxError comes from compiling avsc's code for the schema, not from checking it: its
      // message tells of avsc's internals, not of the schema.
      if (error instanceof RangeError || error instanceof SyntaxError)
        r.accept(messages.avscTooComplex, m.schema.range, {}, { file: m.schema.file });
      else
        r.accept(messages.avscRejected, m.schema.range, { reason: (error as Error).message }, { file: m.schema.file });
    }
  }
  // The named types the messages use, each once, in first-use order.
  const used = new Map<string, AvroNamed>();
  const visit = (t: AvroType): void => {
    switch (t.kind) {
      case "record":
      case "enum":
      case "fixed":
        if (used.has(t.fullName)) return;
        used.set(t.fullName, t);
        if (t.kind === "record") for (const f of t.fields) visit(f.type);
        return;
      case "ref": {
        const target = pool.get(t.fullName);
        if (target) visit(target);
        return;
      }
      case "array":
        return visit(t.items);
      case "map":
        return visit(t.values);
      case "union":
        return t.branches.forEach(visit);
      case "primitive":
        return;
    }
  };
  for (const m of schemas) visit(m.schema.root);
  return [...used.values()];
}

function simpleName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}

/** How many leading characters two names share. */
function closeness(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

function unknownTypeHint(ref: AvroRef, pool: ReadonlyMap<string, AvroNamed>): string {
  const simple = simpleName(ref.fullName);
  const sameName = [...pool.values()].filter((t) => t.name === simple).map((t) => t.fullName);
  if (sameName.length > 0 && !ref.written.includes(".")) {
    return `a name without a namespace means one in the enclosing namespace; did you mean "${sameName[0]}"?`;
  }
  if (!ref.written.includes(".")) {
    const primitive = closest(ref.written, primitiveNames);
    if (primitive) return `did you mean "${primitive}"?`;
  }
  const near = closest(
    simple,
    [...pool.values()].map((t) => t.name),
  );
  const guess = [...pool.values()]
    .filter((t) => t.name === near)
    .sort((a, b) => closeness(ref.fullName, b.fullName) - closeness(ref.fullName, a.fullName))[0]?.fullName;
  if (guess) return `did you mean "${guess}"?`;
  return ref.written.includes(".")
    ? "define it in this schema or in the schema of another message"
    : `Avro's primitive types are ${primitiveNames.join(", ")}`;
}

/** Definition keys by named type: a message schema message-schemas.ts reuses across `analyse()` calls keeps its types. */
const definitionKeys = new WeakMap<AvroNamed, string>();

/** A definition in a form that does not depend on how it was written: full names, nested types by name, sorted keys. */
function definitionKey(t: AvroNamed): string {
  let key = definitionKeys.get(t);
  if (key === undefined)
    definitionKeys.set(
      t,
      (key = JSON.stringify(sortKeys(walkSchemaJson(t.json, t.enclosingNamespace, normalizing, true)))),
    );
  return key;
}

/** Names as full names, nested definitions as uses of their name, the namespace folded into the name. */
const normalizing: SchemaJsonHooks = {
  reference: (name, namespace) => qualify(name, namespace).fullName,
  definition: (_json, q, top, inside) => {
    if (!top) return q.fullName;
    const out: Record<string, unknown> = { ...(inside() as Record<string, unknown>), name: q.fullName };
    delete out["namespace"];
    return out;
  },
};

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort())
    Object.defineProperty(out, k, { value: sortKeys(v[k]), enumerable: true, writable: true, configurable: true });
  return out;
}
