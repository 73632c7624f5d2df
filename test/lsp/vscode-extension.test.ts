// The VS Code extension in editors/vscode/: its TextMate grammar (vscode-tmgrammar-test on the fixture files under
// editors/vscode/test/, every token kind), and its manifest: it activates on .kef, and what it references exists and parses.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Declaration } from "../../grammar/ast.js";
import { parse } from "../../generator/parse.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { runGrammarTests } from "../support/tmgrammar.js";

const extension = path.join(repoRoot, "editors/vscode");

describe("the TextMate grammar", () => {
  it("passes the token tests of editors/vscode/test/", () => {
    const files = fs
      .readdirSync(path.join(extension, "test"))
      .filter((f) => f.endsWith(".test.kef"))
      .map((f) => path.join(extension, "test", f));
    expect(files.length).toBeGreaterThan(0);
    const r = runGrammarTests(files);
    expect(r.output).not.toContain("failed");
    expect(r.status, r.output).toBe(0);
  });

  it("a wrong scope in a token test fails (the runner checks)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-tm-"));
    try {
      const file = path.join(dir, "wrong.test.kef");
      fs.writeFileSync(file, '// SYNTAX TEST "source.kef"\ntopic "t" : M\n// <----- string.quoted.double.kef\n');
      const r = runGrammarTests([file]);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("keyword.control.kef");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the extension manifest", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(extension, "package.json"), "utf8")) as {
    main: string;
    activationEvents: string[];
    contributes: {
      languages: { id: string; extensions: string[]; configuration: string }[];
      grammars: { language: string; path: string; scopeName: string }[];
      snippets: { language: string; path: string }[];
    };
  };

  it("activates on .kef files", () => {
    expect(manifest.activationEvents).toContain("onLanguage:kef");
    const kef = manifest.contributes.languages.find((l) => l.id === "kef")!;
    expect(kef.extensions).toEqual([".kef"]);
    expect(fs.existsSync(path.join(extension, manifest.main))).toBe(true);
  });

  it("references a grammar, snippets and a language configuration that exist and parse", () => {
    const [g] = manifest.contributes.grammars;
    expect(g!.language).toBe("kef");
    expect(
      (JSON.parse(fs.readFileSync(path.join(extension, g!.path), "utf8")) as { scopeName: string }).scopeName,
    ).toBe(g!.scopeName);
    const [s] = manifest.contributes.snippets;
    const snippets = JSON.parse(fs.readFileSync(path.join(extension, s!.path), "utf8")) as Record<
      string,
      { prefix: string; body: string[] }
    >;
    const prefixes = Object.values(snippets).map((x) => x.prefix);
    // One snippet for each block kind of the language, and for each block of a topic's { }.
    for (const kind of [
      "namespace",
      "message",
      "shared",
      "connection",
      "topic",
      "registry",
      "producer",
      "consumer",
      "config",
    ])
      expect(prefixes).toContain(kind);
    const config = JSON.parse(
      fs.readFileSync(path.join(extension, manifest.contributes.languages[0]!.configuration), "utf8"),
    ) as { comments: { lineComment: string } };
    expect(config.comments.lineComment).toBe("//");
  });

  it("each snippet, its placeholders filled with their defaults, is a declaration (or a topic's block) that parses", () => {
    const [s] = manifest.contributes.snippets;
    const snippets = JSON.parse(fs.readFileSync(path.join(extension, s!.path), "utf8")) as Record<
      string,
      { prefix: string; body: string[]; description: string }
    >;
    const declarationOf: Record<string, string> = {
      message: "Message",
      shared: "Shared",
      connection: "Connection",
      topic: "Topic",
      registry: "Registry",
    };
    const blockOf: Record<string, string> = {
      producer: "ProducerClause",
      consumer: "SharedConsumer",
      config: "TopicConfig",
    };
    for (const [name, snippet] of Object.entries(snippets)) {
      const word = snippet.prefix.split(" ")[0]!;
      const body = expandSnippet(snippet.body.join("\n"));
      const inTopic = snippet.description.startsWith("In a topic's { }");
      const text = inTopic ? `topic "t" : M {\n${body}\n}\n` : `${body}\n`;
      const parsed = parse({ file: "snippet.kef", absolutePath: path.join(os.tmpdir(), `snippet-${word}.kef`), text });
      expect(
        parsed.diagnostics.map((d) => d.message),
        `${name}:\n${text}`,
      ).toEqual([]);
      const declarations = parsed.value.declarations;
      if (word === "namespace") {
        expect(parsed.value.namespace?.text, name).toBe("my.service");
        expect(declarations, name).toEqual([]);
      } else if (inTopic) {
        expect(
          declarations.map((d) => d.$type),
          name,
        ).toEqual(["Topic"]);
        const topic = declarations[0] as Extract<Declaration, { $type: "Topic" }>;
        expect(
          topic.body.map((b) => b.$type),
          name,
        ).toEqual([blockOf[word]]);
      } else
        expect(
          declarations.map((d) => d.$type),
          name,
        ).toEqual([declarationOf[word]]);
    }
  });

  it("starts the server as `kefgen lsp`, from the project's node_modules/.bin first", () => {
    const source = fs.readFileSync(path.join(extension, manifest.main), "utf8");
    expect(source).toMatch(/"node_modules",\s*"\.bin"/);
    expect(source).toContain('args: ["lsp"]');
  });
});

/**
 * A snippet body as VS Code inserts it when each placeholder keeps its default: `${1:x}` is x, `${1|a,b|}` is a, `$1`
 * and `${1}` repeat placeholder 1's text, `$0` is empty, `\\$` is a `$`.
 */
function expandSnippet(body: string): string {
  const defaults = new Map<string, string>();
  const filled = body
    .replace(/\$\{(\d+):([^{}]*)\}/g, (_, n: string, text: string) => (defaults.set(n, text), text))
    .replace(/\$\{(\d+)\|([^|]*)\|\}/g, (_, n: string, choices: string) => {
      const first = choices.split(",")[0]!;
      defaults.set(n, first);
      return first;
    });
  return filled
    .replace(/(?<!\\)\$(?:\{(\d+)\}|(\d+))/g, (_, a?: string, b?: string) => defaults.get(a ?? b!) ?? "")
    .replace(/\\\$/g, "$");
}
