// Emits messages.ts:  export interface OrderCreated { orderId: string; placedAt: Date; items: LineItem[] }
//                     export type Status = "A" | "B";   export type Money = string;
// Each type is exactly what the message's codec returns at run time (runtime/avro-representation.ts decides that).
import {
  StructureKind,
  type InterfaceDeclarationStructure,
  type StatementStructures,
  type TypeAliasDeclarationStructure,
} from "./ts-morph.js";
import { branchName, type AvroField, type AvroLogicalType, type AvroNamed, type AvroType } from "./avro-types.js";
import { unionIsWrapped, valueRepresentation } from "./avro-values.js";
import { addFile, type Context } from "./context.js";
import { generatedLineWidth } from "./generated.js";
import { doc, docString, jsDoc, jsonLiteral, propertyName, str, type DocText } from "./escape.js";
import { declaresMessageAlias } from "./names.js";

/** What a logical type's value means, for doc comments. */
function logicalNote(l: AvroLogicalType): DocText {
  switch (l.name) {
    case "decimal":
      return l.scale === 0
        ? doc`\`decimal(${l.precision}, 0)\`: a whole number, as a decimal string.`
        : doc`\`decimal(${l.precision}, ${l.scale})\`: a decimal string with exactly ${l.scale} digit${l.scale === 1 ? "" : "s"} after the point (fewer are accepted when encoding).`;
    case "uuid":
      return doc`\`uuid\`, as a string.`;
    case "date":
      return doc`\`date\`: a Date at midnight UTC.`;
    case "time-millis":
      return doc`\`time-millis\`: milliseconds after midnight.`;
    case "time-micros":
      return doc`\`time-micros\`: microseconds after midnight.`;
    case "timestamp-millis":
      return doc`\`timestamp-millis\`: an instant, to the millisecond.`;
    case "timestamp-micros":
      return doc`\`timestamp-micros\`: microseconds since 1970-01-01T00:00:00Z.`;
    case "local-timestamp-millis":
      return doc`\`local-timestamp-millis\`: a local date and time, in the Date's UTC fields (\`getUTCHours()\`, ...).`;
    case "local-timestamp-micros":
      return doc`\`local-timestamp-micros\`: microseconds since 1970-01-01T00:00:00, local time.`;
    case "duration":
      return doc`\`duration\`: months, days and milliseconds, each counted on its own.`;
  }
}

/** What naming a type needs of the Context (the language server's hover has no more). */
export type TypeContext = Pick<Context, "model" | "lookups">;

/** The TypeScript type of the values the runtime's codec reads and writes for `t`. */
export function typeExpression(ctx: TypeContext, t: AvroType): string {
  switch (t.kind) {
    case "primitive":
      return valueRepresentation(t).typeScript;
    case "record":
    case "enum":
    case "fixed":
    case "ref":
      return typeName(ctx, t.fullName);
    case "array": {
      const items = typeExpression(ctx, t.items);
      return /^[A-Za-z_$][A-Za-z0-9_$.]*$/.test(items) ? `${items}[]` : `Array<${items}>`;
    }
    case "map":
      return `{ [key: string]: ${typeExpression(ctx, t.values)} }`;
    case "union":
      return unionMembers(ctx, t).join(" | ");
  }
}

function unionMembers(ctx: TypeContext, t: Extract<AvroType, { kind: "union" }>): string[] {
  const wrapped = unionIsWrapped(t, ctx.lookups.namedType);
  return t.branches.map((b) =>
    wrapped && !(b.kind === "primitive" && b.name === "null")
      ? `{ ${str(branchName(b))}: ${typeExpression(ctx, b)} }`
      : typeExpression(ctx, b),
  );
}

/**
 * A union written where the line starts with `prefix` characters: on that line when it fits the formatter's width,
 * else one member per line. The formatter keeps a union broken when its second member starts a line (and would
 * otherwise break inside a member); prettier laid long unions out one per line too.
 */
function unionLayout(members: readonly string[], prefix: number): string {
  const line = members.join(" | ");
  return members.length < 2 || prefix + line.length + 1 <= generatedLineWidth ? line : members.join("\n| ");
}

/** The type of a declaration's property or alias, its top-level union laid out for a line starting with `prefix` characters. */
function declaredType(ctx: TypeContext, t: AvroType, prefix: number): string {
  return t.kind === "union" ? unionLayout(unionMembers(ctx, t), prefix) : typeExpression(ctx, t);
}

export function typeName(ctx: TypeContext, fullName: string): string {
  const name = ctx.model.typeNames.get(fullName);
  if (name === undefined) throw new Error(`internal: no TypeScript name for Avro type ${fullName}`);
  return name;
}

/** Notes on the logical types a field's type uses directly (itself, a union branch, array items, map values). */
function logicalNotes(t: AvroType): DocText[] {
  const direct = t.kind === "union" ? t.branches : t.kind === "array" ? [t.items] : t.kind === "map" ? [t.values] : [t];
  const notes = direct.flatMap((b) => (b.kind === "primitive" && b.logical ? [logicalNote(b.logical)] : []));
  // Each note once (two `timestamp-millis` branches say it once).
  return [...new Map(notes.map((n) => [docString(n), n])).values()];
}

/** A doc paragraph written by a schema's author, if any. */
function userDoc(text: string | undefined): DocText | undefined {
  return text === undefined ? undefined : doc`${text}`;
}

function fieldDocs(f: AvroField): { docs?: string[] } {
  // Defaults fill fields a reader's schema has and a writer's lacks; decoded values always have every field.
  const shown = f.default === undefined ? undefined : doc`Default: \`${jsonLiteral(f.default.value)}\`.`;
  return jsDoc(userDoc(f.doc), ...logicalNotes(f.type), shown);
}

function namedDeclaration(ctx: Context, t: AvroNamed): InterfaceDeclarationStructure | TypeAliasDeclarationStructure {
  const name = typeName(ctx, t.fullName);
  const origin = doc`Avro ${t.kind} \`${t.fullName}\`.`;
  switch (t.kind) {
    case "record":
      return {
        kind: StructureKind.Interface,
        name,
        isExported: true,
        ...jsDoc(userDoc(t.doc), origin),
        properties: t.fields.map((f) => ({
          name: propertyName(f.name),
          type: declaredType(ctx, f.type, `  ${propertyName(f.name)}: `.length),
          ...fieldDocs(f),
        })),
      };
    case "enum":
      return {
        kind: StructureKind.TypeAlias,
        name,
        isExported: true,
        ...jsDoc(
          userDoc(t.doc),
          origin,
          t.default === undefined
            ? undefined
            : doc`A reader that meets a symbol it does not know reads \`${t.default}\`.`,
        ),
        type: unionLayout(t.symbols.map(str), `export type ${name} = `.length) || "never",
      };
    case "fixed":
      return {
        kind: StructureKind.TypeAlias,
        name,
        isExported: true,
        ...jsDoc(
          userDoc(t.doc),
          doc`${origin} ${t.logical ? logicalNote(t.logical) : doc`A Buffer of exactly ${t.size} bytes.`}`,
        ),
        type: valueRepresentation(t).typeScript,
      };
  }
}

export function emitMessages(ctx: Context): void {
  const statements: StatementStructures[] = ctx.model.namedTypes.map((t) => namedDeclaration(ctx, t));
  for (const m of ctx.model.messages) {
    if (!declaresMessageAlias(ctx.model, m)) continue;
    const root = m.schema.root;
    statements.push({
      kind: StructureKind.TypeAlias,
      name: m.name,
      isExported: true,
      type: declaredType(ctx, root, `export type ${m.name} = `.length),
      ...jsDoc(doc`Message \`${m.fullName}\`.`, ...(root.kind === "primitive" ? logicalNotes(root) : [])),
    });
  }
  addFile(ctx, "messages.ts", statements);
}
