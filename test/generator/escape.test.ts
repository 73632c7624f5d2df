// generator/escape.ts is the one path from user strings to generated code: its functions keep every hostile string
// inert, and the emitters' own sources are held to using it (no docs, JSON or comment text of their own making).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import {
  commentText,
  doc,
  docString,
  hasUnsafeCharacters,
  jsDoc,
  jsonCodeLiteral,
  jsonLiteral,
  lineComment,
  propertyName,
  str,
} from "../../generator/escape.js";
import { repoRoot } from "../../scripts/snapshots.js";

/** Bidi embeddings, overrides, isolates and marks, line/paragraph separators, other controls and format characters. */
const invisible = [
  ..."\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029",
  ..."\u0000\u0001\u0008\u000b\u000c\u001b\u007f\u0085\u009b\u00ad\u200b\u200d\ufeff\u2060",
  "\u{e0001}", // LANGUAGE TAG, a format character beyond the BMP
  "\ud800", // an unpaired surrogate
];

/** A raw character the generated code must never hold (tab and line feed allowed). */
const raw = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function rawIn(text: string): string[] {
  return [...text].filter((ch) => ch !== "\n" && ch !== "\t" && raw.test(ch));
}

/** The value of a JavaScript expression, evaluated by the engine. */
function evaluate(expression: string): unknown {
  return new Function(`return (${expression});`)();
}

describe("string literals", () => {
  it("escape every invisible character and read back as the same string", () => {
    for (const ch of invisible) {
      const text = `a${ch}b "q" 'q' \`t\` \${x} \\ */ </script>`;
      const literal = str(text);
      expect(rawIn(literal), JSON.stringify(literal)).toEqual([]);
      expect(evaluate(literal)).toBe(text);
    }
    expect(str("\u202e")).toBe('"\\u202e"');
    expect(str("\u{e0001}")).toBe('"\\udb40\\udc01"');
  });

  it("jsonLiteral keeps data unchanged, as JSON and as JavaScript", () => {
    const value = { [`k${invisible.join("")}`]: [invisible.join(""), 1, null, true, { "*/": "\u2028" }] };
    const literal = jsonLiteral(value);
    expect(rawIn(literal)).toEqual([]);
    expect(JSON.parse(literal)).toEqual(value);
    expect(evaluate(literal)).toEqual(value);
  });

  it("jsonCodeLiteral is jsonLiteral's data, with a line break only before the first of several objects or arrays", () => {
    const value = {
      [`k${invisible.join("")}`]: [invisible.join(""), 1, null, true, { "*/": "\u2028" }],
      fields: [
        { name: "a", type: "int" },
        { name: "b", type: ["null", "string"] },
      ],
      pairs: [
        [1, 2],
        [3, 4],
      ],
      single: [{ name: "a", type: "int" }],
      thin: [{ name: "a" }, { name: "b" }],
      mixed: [{ name: "a", type: "int" }, [1, 2]],
      skipped: undefined,
    };
    const literal = jsonCodeLiteral(value);
    expect(rawIn(literal)).toEqual([]);
    expect(JSON.parse(literal)).toEqual(JSON.parse(jsonLiteral(value)));
    expect(evaluate(literal)).toEqual(JSON.parse(jsonLiteral(value)));
    expect(literal.replace(/\n/g, "")).toBe(jsonLiteral(value));
    // Only "fields" and "pairs" start their first element on a new line (prettier's rule for such arrays).
    expect(literal.match(/"\w+":\[\n/g)).toEqual(['"fields":[\n', '"pairs":[\n']);
  });

  it("propertyName quotes (through str) what is not an identifier", () => {
    expect(propertyName("groupId")).toBe("groupId");
    expect(propertyName("__proto__")).toBe('"__proto__"');
    expect(propertyName("a\u202eb")).toBe('"a\\u202eb"');
  });
});

describe("comment text", () => {
  it("cannot close a comment, start a JSDoc tag or hide characters", () => {
    expect(commentText("x */ y")).toBe("x *\\/ y");
    expect(commentText("@deprecated {@link process.exit} a@b.example")).toBe(
      "\\@deprecated {\\@link process.exit} a@b.example",
    );
    expect(commentText("a\u202eb\u2066c\u0000d")).toBe("a\\u{202E}b\\u{2066}c\\u{0}d");
    for (const ch of invisible) expect(rawIn(commentText(`a${ch}b`)), JSON.stringify(ch)).toEqual([]);
  });

  it("keeps line breaks in doc comments, normalised; shows them in // lines", () => {
    expect(commentText("one\r\ntwo\rthree\nfour")).toBe("one\ntwo\nthree\nfour");
    expect(commentText("a\u2028b")).toBe("a\\u{2028}b");
    expect(lineComment("a*/b\nc\r\nd\u202e.kef")).toBe("a*\\/b\\u{A}c\\u{A}d\\u{202E}.kef");
  });

  it("doc escapes what it interpolates and nothing of kefgen's own words", () => {
    const groupId = "x */ @param {@link y}";
    expect(docString(doc`on {@link messages.A} (group ${groupId}), ${3} records`)).toBe(
      "on {@link messages.A} (group x *\\/ \\@param {\\@link y}), 3 records",
    );
    expect(docString(doc`outer ${doc`inner ${"*/"}`}`)).toBe("outer inner *\\/");
  });

  it("jsDoc joins paragraphs and breaks up a terminator made across a boundary", () => {
    expect(jsDoc(doc`${"ends in *"}/ and more`)).toEqual({ docs: ["ends in *\\/ and more"] });
    expect(jsDoc(doc`one`, undefined, doc`${"  "}`, doc`two`)).toEqual({ docs: ["one\n\ntwo"] });
    expect(jsDoc(undefined)).toEqual({});
  });

  it("hasUnsafeCharacters tells raw characters, optionally allowing line breaks", () => {
    expect(hasUnsafeCharacters("kefgen/runtime")).toBe(false);
    expect(hasUnsafeCharacters("a\u202e")).toBe(true);
    expect(hasUnsafeCharacters("a\nb")).toBe(true);
    expect(hasUnsafeCharacters("a\nb", "newlines")).toBe(false);
  });
});

describe("emitters write user strings only through generator/escape.ts", () => {
  const dir = path.join(repoRoot, "generator");
  const emitters = fs.readdirSync(dir).filter((f) => /^emit.*\.ts$/.test(f) || f === "context.ts");

  /** Findings in one emitter's source: ways of writing a comment or a literal that bypass escape.ts. */
  function bypasses(file: string, text = fs.readFileSync(path.join(dir, file), "utf8")): string[] {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    const at = (node: ts.Node, what: string) =>
      found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
    const visit = (node: ts.Node): void => {
      // A structure's docs come only from jsDoc(...) (spread), never from a `docs:` of the emitter's making.
      if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && node.name.getText() === "docs")
        at(node, "a `docs:` property (use ...jsDoc(doc`…`))");
      // JSON text goes through jsonLiteral/str, which also escape what JSON.stringify leaves raw.
      if (ts.isPropertyAccessExpression(node) && node.getText() === "JSON.stringify" && file !== "context.ts")
        at(node, "JSON.stringify (use str or jsonLiteral)");
      // Other ways ts-morph writes comments or raw text.
      if (
        ts.isIdentifier(node) &&
        /^(addJsDocs?|insertJsDocs?|setLeadingTrivia|leadingTrivia|trailingTrivia|insertText|replaceWithText)$/.test(
          node.text,
        )
      )
        at(node, `${node.text} writes comment or raw text`);
      // Code strings of an emitter never open a comment (the header, with its `// source:` lines, is written by
      // context.ts from the line emit.ts names).
      const header = file === "context.ts" || file === "emit.ts";
      if (
        (ts.isStringLiteral(node) ||
          ts.isNoSubstitutionTemplateLiteral(node) ||
          ts.isTemplateHead(node) ||
          ts.isTemplateMiddle(node) ||
          ts.isTemplateTail(node)) &&
        !header
      ) {
        if (taggedBy(node) !== "doc" && /\/\*|\*\/|(^|[^:])\/\//.test(node.text))
          at(node, `a comment in code text: ${JSON.stringify(node.text)}`);
      }
      node.forEachChild(visit);
    };
    visit(sf);
    return found;
  }

  /** The tag of the tagged template a template part belongs to, if any. */
  function taggedBy(node: ts.Node): string | undefined {
    for (let n: ts.Node | undefined = node; n; n = n.parent) {
      if (ts.isTaggedTemplateExpression(n)) return n.tag.getText();
      if (
        !ts.isTemplateExpression(n) &&
        !ts.isTemplateSpan(n) &&
        !ts.isTemplateLiteralToken(n) &&
        !ts.isNoSubstitutionTemplateLiteral(n)
      )
        return undefined;
    }
    return undefined;
  }

  it("finds the emitters", () => {
    expect(emitters).toEqual(
      expect.arrayContaining([
        "context.ts",
        "emit-codecs.ts",
        "emit-consumers.ts",
        "emit-messages.ts",
        "emit-wiring.ts",
        "emit.ts",
      ]),
    );
  });

  it("no emitter builds docs, JSON text or comments of its own", () => {
    expect(emitters.flatMap((f) => bypasses(f))).toEqual([]);
  });

  it("the check sees a bypass (the pattern the group-id injection went through)", () => {
    const probe =
      'const t = { topic: "x" };\nexport const s = { docs: [`Topic ${t.topic}`], initializer: JSON.stringify(t.topic), text: "/* x */", ok: doc`{@link X} */` };\n';
    expect(bypasses("emit-probe.ts", probe)).toEqual([
      "emit-probe.ts:2: a `docs:` property (use ...jsDoc(doc`…`))",
      "emit-probe.ts:2: JSON.stringify (use str or jsonLiteral)",
      'emit-probe.ts:2: a comment in code text: "/* x */"',
    ]);
  });
});
