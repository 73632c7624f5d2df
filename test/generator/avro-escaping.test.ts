// Strings from a schema reach the generated code only escaped. The avro-hostile fixture's docs, defaults and custom
// attributes hold comment terminators, template syntax, backticks, quotes, line separators, JSDoc tags, bidi controls
// and NUL: its golden output must declare exactly the expected types and codecs (nothing injected), keep every doc
// inside its comment without tags of its own, hold no raw invisible character, and hand avsc the strings unchanged.
// (test/generator/hostile-strings.test.ts does the same for every string position of the language.)
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import type { AvroCodec } from "../../runtime/avro-codec.js";
import { repoRoot } from "../../scripts/snapshots.js";

const dir = path.join(repoRoot, "fixtures/valid/avro-hostile");
const schema = JSON.parse(fs.readFileSync(path.join(dir, "schemas/hostile.avsc"), "utf8")) as {
  doc: string;
  fields: { name: string; doc?: string; default?: unknown; type: { doc?: string } }[];
};

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(
    file,
    fs.readFileSync(path.join(dir, "expected", file), "utf8"),
    ts.ScriptTarget.ES2022,
    true,
  );
}

/** The text of the JSDoc comments attached to a node, as TypeScript reads them. */
function jsDocText(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .map((d) => d.getText())
    .join("\n");
}

describe("hostile strings from schemas", () => {
  it("messages.ts declares exactly the four types, each with its doc inside its comment", () => {
    const sf = parse("messages.ts");
    const declared = sf.statements.map((s) => `${ts.SyntaxKind[s.kind]} ${(s as ts.InterfaceDeclaration).name?.text}`);
    expect(declared).toEqual([
      "InterfaceDeclaration Hostile",
      "TypeAliasDeclaration Level",
      "TypeAliasDeclaration Key",
      "InterfaceDeclaration InlineHostile",
    ]);
    const hostile = sf.statements[0] as ts.InterfaceDeclaration;
    expect(jsDocText(hostile)).toContain(
      "Closes the comment: *\\/ export const pwned = true; /* and opens a template: ${process.exit(1)} `backtick`",
    );
    expect(hostile.members.map((m) => (m.name as ts.Identifier).text)).toEqual(["text", "level", "key", "amount"]);
    expect(jsDocText(hostile.members[0]!)).toContain("declare const x: number; /**");
    expect(jsDocText(hostile.members[0]!)).toContain('Default: `"*\\/ ${process.exit(1)} `tick`');
    expect(jsDocText(sf.statements[1]!)).toContain("*\\/ } export type Level = never; /*");
    expect(jsDocText(sf.statements[3]!)).toContain("export const injected = `${globalThis.process.exit(1)}`;");
    // No comment is closed early: every "*/" in the file ends one of the declarations' comments.
    const text = sf.getFullText();
    const closes = text.match(/\*\//g)?.length ?? 0;
    const comments = [...text.matchAll(/\/\*\*[\s\S]*?\*\//g)].length + (text.includes("/* eslint-disable */") ? 1 : 0);
    expect(closes).toBe(comments);
  });

  it("codecs.ts holds only literal data in its schemas", () => {
    const sf = parse("codecs.ts");
    expect(
      sf.statements.map((s) =>
        ts.isImportDeclaration(s) ? "import" : ts.isVariableStatement(s) ? "const" : ts.SyntaxKind[s.kind],
      ),
    ).toEqual(["import", "import", "const", "const"]);
    const literalKinds = new Set([
      ts.SyntaxKind.ObjectLiteralExpression,
      ts.SyntaxKind.ArrayLiteralExpression,
      ts.SyntaxKind.PropertyAssignment,
      ts.SyntaxKind.StringLiteral,
      ts.SyntaxKind.NumericLiteral,
      ts.SyntaxKind.NullKeyword,
      ts.SyntaxKind.TrueKeyword,
      ts.SyntaxKind.FalseKeyword,
      ts.SyntaxKind.Identifier, // property names only (checked below)
    ]);
    for (const statement of sf.statements.slice(2) as ts.VariableStatement[]) {
      const call = statement.declarationList.declarations[0]!.initializer as ts.CallExpression;
      expect(call.expression.getText()).toBe("kefgen.avroCodec");
      expect(call.arguments).toHaveLength(1);
      const visit = (node: ts.Node): void => {
        expect(literalKinds.has(node.kind), `${ts.SyntaxKind[node.kind]}: ${node.getText()}`).toBe(true);
        if (ts.isIdentifier(node)) expect(ts.isPropertyAssignment(node.parent) && node.parent.name === node).toBe(true);
        node.forEachChild(visit);
      };
      visit(call.arguments[0]!);
    }
  });

  it("the codecs get every string unchanged", async () => {
    const codecs = (await import(path.join(dir, "expected/codecs.ts"))) as Record<string, AvroCodec<unknown>>;
    const type = codecs["hostileCodec"]!.type as unknown as {
      doc: string;
      fields: { name: string; doc?: string; type: { doc?: string }; defaultValue(): unknown }[];
    };
    expect(type.doc).toBe(schema.doc);
    expect(type.fields.map((f) => f.doc)).toEqual(schema.fields.map((f) => f.doc));
    expect(type.fields[0]!.defaultValue()).toBe(schema.fields[0]!.default);
    expect(type.fields[0]!.defaultValue()).toContain("\u2028");
    expect(type.fields[1]!.type.doc).toBe(schema.fields[1]!.type.doc);
    const inline = codecs["inlineHostileCodec"]!.type as unknown as {
      doc: string;
      fields: { doc: string; defaultValue(): unknown }[];
    };
    expect(inline.doc).toBe("*/ export const injected = `${globalThis.process.exit(1)}`; /* \" ' \\ \u2028 \u2029 end");
    expect(inline.fields[0]!.doc).toBe("</script><!-- */");
    expect(inline.fields[0]!.defaultValue()).toBe('*/ ${x} `y` "z" \\ \u2028');
    expect(inline.fields[1]!.doc).toBe("@deprecated {@link process.exit} admin\u202e \u2066user\u2069 \u200f\u0000");
    expect(inline.fields[1]!.defaultValue()).toBe("admin\u202e \u2066user\u2069 \u0000");
  });

  it("no file holds a raw bidi, invisible or control character (Trojan Source)", () => {
    for (const file of fs.readdirSync(path.join(dir, "expected"))) {
      const text = fs.readFileSync(path.join(dir, "expected", file), "utf8");
      expect(
        [...text].filter((ch) => /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|[^\n\P{Cc}]/u.test(ch)),
        file,
      ).toEqual([]);
    }
  });

  it("a doc's own @tags and {@link}s are text, not JSDoc", () => {
    const who = (parse("messages.ts").statements[3] as ts.InterfaceDeclaration).members[1]!;
    expect((who.name as ts.Identifier).text).toBe("who");
    expect(ts.getJSDocTags(who)).toEqual([]);
    expect(jsDocText(who)).toContain(
      "\\@deprecated {\\@link process.exit} admin\\u{202E} \\u{2066}user\\u{2069} \\u{200F}\\u{0}",
    );
  });
});
