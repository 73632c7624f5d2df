// Writer-schema resolution: the one place the runtime builds the resolver that reads a writer's bytes as the
// reader's type (Confluent-framed and single-object records). See docs/runtime.md, "Framed records and the schema
// registry".
import type avro from "avsc";

/** What {@link readerOf} gives: reads a writer's bytes as the reader's type (avsc's resolver). */
export type WriterResolver = ReturnType<avro.Type["createResolver"]>;

/**
 * The resolver that reads data written with `writer` as `reader`, by Avro's schema-resolution rules. Throws when the
 * two cannot be resolved. Named types match by full name or alias first; when that fails, by unqualified name, as
 * Java Avro 1.12 resolves them (and as `kefgen check --against` judges a namespace change: compatible). The second
 * try is made only when no two named types of the reader share an unqualified name, so a union of `a.X` and `b.X`
 * can never take a writer's `b.X` for `a.X`.
 */
export function readerOf(reader: avro.Type, writer: avro.Type): WriterResolver {
  try {
    return reader.createResolver(writer);
  } catch (strict) {
    if (hasUnqualifiedNameClash(reader)) throw strict;
    try {
      return reader.createResolver(writer, { ignoreNamespaces: true } as never);
    } catch {
      throw strict;
    }
  }
}

/** Whether two named types reachable from `type` have the same unqualified name. */
function hasUnqualifiedNameClash(type: avro.Type): boolean {
  const seen = new Map<string, string>();
  const visited = new Set<avro.Type>();
  const walk = (t: avro.Type): boolean => {
    if (visited.has(t)) return false;
    visited.add(t);
    if (t.name !== undefined) {
      const short = t.name.slice(t.name.lastIndexOf(".") + 1);
      const other = seen.get(short);
      if (other !== undefined && other !== t.name) return true;
      seen.set(short, t.name);
    }
    const any = t as unknown as {
      fields?: { type: avro.Type }[];
      types?: avro.Type[];
      itemsType?: avro.Type;
      valuesType?: avro.Type;
      underlyingType?: avro.Type;
    };
    const children = [
      ...(any.fields?.map((f) => f.type) ?? []),
      ...(any.types ?? []),
      ...(any.itemsType ? [any.itemsType] : []),
      ...(any.valuesType ? [any.valuesType] : []),
      ...(any.underlyingType ? [any.underlyingType] : []),
    ];
    return children.some(walk);
  };
  return walk(type);
}
