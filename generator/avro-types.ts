// The Avro schema model the generator works on: each message's schema as read from its located JSON (avro-read.ts),
// named types resolved across schemas (avro-link.ts), and what every stage after them reads (compat, emitters).
import type { Range } from "../grammar/ast.js";
import type { AvroLogicalType } from "../runtime/avro-representation.js";

export type PrimitiveName = "null" | "boolean" | "int" | "long" | "float" | "double" | "bytes" | "string";

export const primitiveNames: readonly PrimitiveName[] = [
  "null",
  "boolean",
  "int",
  "long",
  "float",
  "double",
  "bytes",
  "string",
];

export type { AvroLogicalType };

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly doc: string | undefined;
  /** The field's default, as written (JSON); undefined when it has none. */
  readonly default: { readonly value: unknown } | undefined;
  readonly range: Range;
}

interface NamedBase {
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly doc: string | undefined;
  /** The definition as written (plain JSON), for the codecs' schemas. */
  readonly json: unknown;
  /** The namespace in effect where the definition is written (names in `json` are relative to it). */
  readonly enclosingNamespace: string | undefined;
  /** The file the definition is written in, as shown in diagnostics. */
  readonly file: string;
  readonly range: Range;
}

export interface AvroRecord extends NamedBase {
  readonly kind: "record";
  readonly fields: readonly AvroField[];
}

export interface AvroEnum extends NamedBase {
  readonly kind: "enum";
  readonly symbols: readonly string[];
  /** The symbol a reader uses for symbols it does not know (schema evolution). */
  readonly default: string | undefined;
  /** Where each symbol is written (schema-evolution diagnostics point at a symbol). */
  readonly symbolRanges: ReadonlyMap<string, Range>;
}

export interface AvroFixed extends NamedBase {
  readonly kind: "fixed";
  readonly size: number;
  /** A logical type kefgen interprets (decimal, uuid, duration); undefined: a Buffer. */
  readonly logical: AvroLogicalType | undefined;
}

export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;

export interface AvroPrimitive {
  readonly kind: "primitive";
  readonly name: PrimitiveName;
  /** A logical type kefgen interprets; undefined: the primitive's own value. */
  readonly logical: AvroLogicalType | undefined;
  /** A `long` read as a bigint (`"kefgen.long": "bigint"`). */
  readonly bigint: boolean;
}

/** A use of a named type by name. Resolved against every message's schema when they are linked. */
export interface AvroRef {
  readonly kind: "ref";
  readonly fullName: string;
  /** The name as written (maybe relative to the enclosing namespace). */
  readonly written: string;
  readonly file: string;
  readonly range: Range;
}

export type AvroType =
  | AvroPrimitive
  | AvroNamed
  | AvroRef
  | { readonly kind: "array"; readonly items: AvroType }
  | { readonly kind: "map"; readonly values: AvroType }
  | { readonly kind: "union"; readonly branches: readonly AvroType[] };

/** A message's schema, read and checked on its own (references to other schemas' types are not yet resolved). */
export interface AvroSchema {
  /** The file the schema was written in (a .kef or an .avsc), as shown in diagnostics. */
  readonly file: string;
  /** The root's JSON node in `file`: where problems with the schema as a whole are reported. */
  readonly range: Range;
  readonly root: AvroType;
  /** The root's JSON as written: the whole document, or the definition `#Name` picked. */
  readonly json: unknown;
  /** The definition `#Name` picked as the root, if any. */
  readonly selected: AvroNamed | undefined;
  /** Every named type the document defines, in definition order (also those the root does not use). */
  readonly named: readonly AvroNamed[];
  /** Every use of a type name, in document order. */
  readonly refs: readonly AvroRef[];
  /**
   * False when the schema has errors (already reported). It is still linked, so that its uses of unknown type
   * names are reported too, but it is not built.
   */
  readonly complete: boolean;
}

/** Named types by full name. */
export type NamedLookup = (fullName: string) => AvroNamed | undefined;

export function isPrimitive(name: string): name is PrimitiveName {
  return (primitiveNames as readonly string[]).includes(name);
}

/** Splits a (possibly dotted) Avro name and resolves it against the enclosing namespace, as avsc does. */
export function qualify(
  name: string,
  namespace: string | undefined,
): { fullName: string; name: string; namespace: string | undefined } {
  const dot = name.lastIndexOf(".");
  if (dot >= 0) return { fullName: name, name: name.slice(dot + 1), namespace: name.slice(0, dot) || undefined };
  return { fullName: namespace ? `${namespace}.${name}` : name, name, namespace: namespace || undefined };
}

/** The key a wrapped union stores a branch's value under: the full name of a named type, else the type's name. */
export function branchName(t: AvroType): string {
  switch (t.kind) {
    case "primitive":
      return t.name;
    case "record":
    case "enum":
    case "fixed":
    case "ref":
      return t.fullName;
    default:
      return t.kind;
  }
}
