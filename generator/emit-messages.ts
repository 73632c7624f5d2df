// Emits messages.ts:  export interface OrderCreated { orderId: string; items: LineItem[] }  export type Status = "A" | "B";
import { StructureKind, type InterfaceDeclarationStructure, type TypeAliasDeclarationStructure } from "ts-morph";
import type { AvroNamed, AvroType } from "./avro.js";
import { docText, newFile, propertyName, str, type Context } from "./context.js";

/** The TypeScript type of values avsc reads and writes for `t` (with `wrapUnions: "auto"`). */
export function typeExpression(ctx: Context, t: AvroType): string {
  switch (t.kind) {
    case "primitive":
      return { null: "null", boolean: "boolean", int: "number", long: "number", float: "number", double: "number", bytes: "Buffer", string: "string" }[t.name];
    case "record":
    case "enum":
    case "fixed":
    case "ref":
      return typeName(ctx, t.fullName);
    case "array": {
      const items = typeExpression(ctx, t.items);
      return t.items.kind === "union" ? `Array<${items}>` : `${items}[]`;
    }
    case "map":
      return `{ [key: string]: ${typeExpression(ctx, t.values)} }`;
    case "union":
      return t.branches
        .map((b) => (t.wrapped && !(b.kind === "primitive" && b.name === "null") ? `{ ${str(branchName(b))}: ${typeExpression(ctx, b)} }` : typeExpression(ctx, b)))
        .join(" | ");
  }
}

/** The key avsc uses for a branch of a wrapped union. */
function branchName(t: AvroType): string {
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

export function typeName(ctx: Context, fullName: string): string {
  const name = ctx.model.typeNames.get(fullName);
  if (name === undefined) throw new Error(`internal: no TypeScript name for Avro type ${fullName}`);
  return name;
}

function docs(...lines: (string | undefined)[]): { docs?: string[] } {
  const text = lines.filter((l): l is string => l !== undefined && l.trim() !== "").map(docText).join("\n\n");
  return text ? { docs: [text] } : {};
}

function namedDeclaration(ctx: Context, t: AvroNamed): InterfaceDeclarationStructure | TypeAliasDeclarationStructure {
  const name = typeName(ctx, t.fullName);
  const origin = `Avro ${t.kind} \`${t.fullName}\`.`;
  switch (t.kind) {
    case "record":
      return {
        kind: StructureKind.Interface,
        name,
        isExported: true,
        ...docs(t.doc, origin),
        properties: t.fields.map((f) => ({
          name: propertyName(f.name),
          type: typeExpression(ctx, f.type),
          ...docs(f.doc),
        })),
      };
    case "enum":
      return {
        kind: StructureKind.TypeAlias,
        name,
        isExported: true,
        ...docs(t.doc, origin),
        type: t.symbols.map(str).join(" | ") || "never",
      };
    case "fixed":
      return {
        kind: StructureKind.TypeAlias,
        name,
        isExported: true,
        ...docs(t.doc, `${origin} A Buffer of exactly ${t.size} bytes.`),
        type: "Buffer",
      };
  }
}

export function emitMessages(ctx: Context): void {
  const file = newFile(ctx, "messages.ts");
  for (const t of ctx.model.namedTypes) {
    const declaration = namedDeclaration(ctx, t);
    if (declaration.kind === StructureKind.Interface) file.addInterface(declaration);
    else file.addTypeAlias(declaration);
  }
  for (const m of ctx.model.messages) {
    const root = m.schema.root;
    const named = root.kind === "record" || root.kind === "enum" || root.kind === "fixed";
    if (named && typeName(ctx, root.fullName) === m.name) continue;
    file.addTypeAlias({ name: m.name, isExported: true, type: typeExpression(ctx, root), ...docs(`Message \`${m.fullName}\`.`) });
  }
}
