// Every request at every token of every fixture (valid and invalid, each .kef opened on its own): the server answers
// each without an error, and what it answers is consistent — a hover's range holds the position, a rename replaces
// exactly the name prepareRename found at every place, definitions point into files that exist, document symbols'
// selection ranges lie within their ranges (VS Code refuses them otherwise), folds are within the file, and
// formatting twice changes nothing the second time.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  Position,
  Range,
  TextEdit,
  WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { inlineJsonLexer } from "../../grammar/inline-json.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { startServer, uri, type LspClient } from "../support/lsp.js";

const fixtures = [
  ...fs
    .readdirSync(path.join(repoRoot, "fixtures/invalid"))
    .filter((f) => f.endsWith(".kef"))
    .map((f) => path.join("fixtures/invalid", f)),
  ...fs
    .readdirSync(path.join(repoRoot, "fixtures/valid"))
    .flatMap((d) =>
      fs.existsSync(path.join(repoRoot, "fixtures/valid", d, `${d}.kef`))
        ? [path.join("fixtures/valid", d, `${d}.kef`)]
        : [],
    ),
].sort();

let client: LspClient;
/** What the sweep met, so that it cannot pass by meeting nothing. */
const met = { hovers: 0, definitions: 0, definitionsInSchemaFiles: 0, renamesAcrossPlaces: 0 };
beforeAll(async () => {
  client = await startServer();
});
afterAll(async () => client.close());

const within = (r: Range, p: Position) =>
  (r.start.line < p.line || (r.start.line === p.line && r.start.character <= p.character)) &&
  (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));
const rangeWithin = (outer: Range, inner: Range) => within(outer, inner.start) && within(outer, inner.end);

/** The text of a file as the server sees it: the open fixture, else the disk. */
function documentOf(file: string, open: TextDocument): TextDocument {
  if (uri(file) === open.uri) return open;
  return TextDocument.create(uri(file), "kef", 0, fs.readFileSync(file, "utf8"));
}

describe("every request at every token", () => {
  it("has fixtures", () => {
    expect(fixtures.length).toBeGreaterThan(80);
  });

  it.each(fixtures)("%s", async (fixture) => {
    const file = path.join(repoRoot, fixture);
    const text = fs.readFileSync(file, "utf8");
    const doc = TextDocument.create(uri(file), "kef", 1, text);
    await client.open(file, text);
    const textDocument = { uri: doc.uri };
    const lines = doc.lineCount;

    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument });
    const walk = (ss: DocumentSymbol[]): void => {
      for (const s of ss) {
        expect(rangeWithin(s.range, s.selectionRange), `${fixture}: symbol ${s.name}`).toBe(true);
        for (const c of s.children ?? [])
          expect(rangeWithin(s.range, c.range), `${fixture}: ${c.name} in ${s.name}`).toBe(true);
        walk(s.children ?? []);
      }
    };
    walk(symbols);
    for (const f of await client.request<FoldingRange[]>("textDocument/foldingRange", { textDocument })) {
      expect(f.startLine, fixture).toBeLessThan(f.endLine);
      expect(f.endLine, fixture).toBeLessThan(lines);
    }
    const options = { tabSize: 2, insertSpaces: true };
    const formatted = await client.request<TextEdit[]>("textDocument/formatting", { textDocument, options });
    if (formatted.length > 0) {
      const once = TextDocument.applyEdits(doc, formatted);
      await client.change(file, once);
      expect(await client.request<TextEdit[]>("textDocument/formatting", { textDocument, options }), fixture).toEqual(
        [],
      );
      await client.change(file, text);
    }

    const lexed = inlineJsonLexer.tokenize(text);
    const offsets = lexed.tokens.flatMap((t) => [t.startOffset, t.startOffset + 1]).concat(text.length);
    for (const offset of offsets) {
      const position = doc.positionAt(offset);
      const where = `${fixture} at ${position.line + 1}:${position.character + 1}`;
      const params = { textDocument, position };
      const hover = await client.request<Hover | null>("textDocument/hover", params);
      if (hover) met.hovers++;
      if (hover?.range) expect(within(hover.range, position), `${where}: hover range`).toBe(true);
      await client.request("textDocument/completion", params);
      for (const l of (await client.request<Location[] | null>("textDocument/definition", params)) ?? []) {
        const target = fileURLToPath(l.uri);
        met.definitions++;
        if (target.endsWith(".avsc")) met.definitionsInSchemaFiles++;
        expect(fs.existsSync(target), `${where}: definition in ${target}`).toBe(true);
        expect(l.range.start.line, `${where}: definition line`).toBeLessThan(documentOf(target, doc).lineCount);
      }
      const references = await client.request<Location[]>("textDocument/references", {
        ...params,
        context: { includeDeclaration: true },
      });
      const prepared = await client.request<Range | null>("textDocument/prepareRename", params);
      if (!prepared) continue;
      expect(within(prepared, position), `${where}: prepareRename`).toBe(true);
      const name = doc.getText(prepared);
      const edit = await client.request<WorkspaceEdit | null>("textDocument/rename", { ...params, newName: "renamed" });
      const edits = Object.entries(edit?.changes ?? {}).flatMap(([u, es]) => es.map((e) => ({ u, range: e.range })));
      expect(edits.length, `${where}: rename of ${name}`).toBeGreaterThan(0);
      if (edits.length > 1) met.renamesAcrossPlaces++;
      for (const e of edits)
        expect(documentOf(fileURLToPath(e.u), doc).getText(e.range), `${where}: rename of ${name}`).toBe(name);
      // The places renamed are the references.
      expect(edits.map((e) => `${e.u} ${JSON.stringify(e.range)}`).sort(), `${where}: references of ${name}`).toEqual(
        references.map((r) => `${r.uri} ${JSON.stringify(r.range)}`).sort(),
      );
    }
    await client.closeDocument(file);
  });

  it("met hovers, definitions (into schema files too) and renames of names used in several places", () => {
    expect(met.hovers).toBeGreaterThan(1000);
    expect(met.definitions).toBeGreaterThan(500);
    expect(met.definitionsInSchemaFiles).toBeGreaterThan(40);
    expect(met.renamesAcrossPlaces).toBeGreaterThan(500);
  });
});
