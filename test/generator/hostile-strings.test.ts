// Input never becomes code. Each hostile string goes into every string-valued position of a project (see
// test/support/hostile-project.ts) and the project is built with the CLI, then compared with the same project built
// with a benign string: the output must compile, hold no raw invisible or bidi character, have exactly the benign
// build's syntax (same statements, declarations, members, expressions; only string contents and comments differ),
// carry no JSDoc tag or link the benign build lacks, hand every string to the runtime unchanged, and run nothing
// when imported. `kefgen graph` is held to the same. The two reported cases are pinned at the end.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commentText, str } from "../../generator/escape.js";
import type { AvroCodec } from "../../runtime/avro-codec.js";
import type { ConnectionSpec } from "../../runtime/index.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { runKefgen } from "../support/cli.js";
import { settingText, stringSettings, writeHostileProject } from "../support/hostile-project.js";
import { compileSnippets } from "../support/typecheck.js";

/** The payload reported in the issue: with the old wiring.ts it made the output run process.exit(7) on import. */
const pwned =
  "x */ readonly orders: any } export const pwned: number = (globalThis as any).process.exit(7); interface Z { /*";

const hostile: Record<string, string> = {
  "comment terminator": "*/",
  "comment openers": "/* /** //",
  "line feed": "a\nexport const injected = 1;\n",
  "carriage return": "a\rb\r\nc",
  "line and paragraph separators": "a\u2028b\u2029c",
  "template syntax and backticks": "`${(globalThis as any).process.exit(7)}` `",
  quotes: `" ' \\" \\' "); (globalThis as any).process.exit(7); ("`,
  backslashes: "\\ \\\\ \\u0041 \\n \\",
  "script tags": "</script><!-- <script>",
  "JSDoc tags": "@deprecated {@link process.exit} @internal\n@param x",
  "bidi controls": "admin\u202e \u2066user\u2069 \u2067\u2068\u202a\u202b\u202c\u202d\u200e\u200f\u061c",
  "NUL and other controls": "\u0000\u0001\u0008\u000b\u000c\u001b\u007f\u0085\u009b\u00ad\u200b\u200d\ufeff",
  "group id payload": pwned,
};
hostile["all at once"] = Object.values(hostile).join(" ");
const benign = "plain text-1";

/**
 * Type-checks generated files with the project's settings. They live in a temporary directory that, like a user's
 * project, has a package.json saying its .ts files are ES modules; it is outside the repository's rootDir.
 */
function typeErrors(files: ReadonlyMap<string, { file: string; text: string }>): [string, string[]][] {
  return Object.entries(compileSnippets(files, false, { rootDir: "/" })).filter(
    ([, diagnostics]) => diagnostics.length > 0,
  );
}

/** A temporary project directory whose .ts files are ES modules (as in a user's project). */
function moduleDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  return dir;
}

/** A raw character the output must never hold (line feed and tab are fine). */
const rawCharacter = /[^\n\t\P{Cc}]|[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

interface Built {
  readonly value: string;
  readonly root: string;
  readonly outDir: string;
  readonly files: ReadonlyMap<string, string>;
  readonly graph: string;
}

const builds = new Map<string, Built>();
let tmp: string;

async function buildProject(name: string, value: string): Promise<Built> {
  const root = path.join(tmp, `case${builds.size}`);
  const project = writeHostileProject(root, value, value === benign ? "k" : "k*");
  const r = await runKefgen(project.cwd, ["build", project.kefFile, "--out", project.out]);
  expect(r.exitCode, `${name}: ${r.stderr}`).toBe(0);
  expect(r.stderr, name).not.toContain(" - error ");
  const g = await runKefgen(project.cwd, ["graph", project.kefFile]);
  expect(g.exitCode, `${name}: ${g.stderr}`).toBe(0);
  const outDir = path.resolve(project.cwd, project.out);
  const files = new Map(
    fs
      .readdirSync(outDir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(outDir, f), "utf8")]),
  );
  return { value, root, outDir, files, graph: g.stdout };
}

/**
 * The syntax of a generated file with the user's strings taken out: every node's kind, identifiers by name,
 * string literals as one placeholder, and for each node its JSDoc tags and inline links. Two files with the same
 * shape declare, export, call and evaluate the same things.
 */
function shape(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node, depth: number): void => {
    let line = `${" ".repeat(depth)}${ts.SyntaxKind[node.kind]}`;
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) line += ` ${node.text}`;
    else if (ts.isNumericLiteral(node) || ts.isBigIntLiteral(node)) line += ` ${node.text}`;
    const docs = ts.getJSDocCommentsAndTags(node);
    if (docs.length > 0) {
      const tags = ts.getJSDocTags(node).map((t) => `@${t.tagName.text}`);
      const links = docs.flatMap((d) =>
        ts.isJSDoc(d) && typeof d.comment !== "string" && d.comment
          ? d.comment
              .filter((c) => ts.isJSDocLink(c) || ts.isJSDocLinkCode(c) || ts.isJSDocLinkPlain(c))
              .map((c) => `{link ${c.name?.getText() ?? ""}}`)
          : [],
      );
      line += ` jsdoc(${docs.length}) ${[...tags, ...links].join(" ")}`;
    }
    out.push(line);
    node.forEachChild((child) => visit(child, depth + 1));
  };
  visit(sf, 0);
  return out;
}

/** The diagram with each label's text taken out (labels are the only place user strings go). */
function graphShape(markdown: string): string {
  return markdown
    .split("\n")
    .slice(1)
    .join("\n")
    .replace(/"[^"\n]*"/g, '""');
}

/** Problems with raw characters: file, line and the code points. */
function rawCharacters(name: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    const found = [...line].filter((ch) => rawCharacter.test(ch));
    return found.length > 0
      ? [`${name}:${i + 1}: ${found.map((ch) => `U+${ch.codePointAt(0)!.toString(16)}`).join(" ")}`]
      : [];
  });
}

beforeAll(async () => {
  tmp = moduleDir("kefgen-hostile-");
  builds.set("benign", await buildProject("benign", benign));
  for (const [name, value] of Object.entries(hostile)) builds.set(name, await buildProject(name, value));
}, 300_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a hostile string in every string position", () => {
  it("the probe reaches the output: the payload is in each file's docs or literals, the path in each header", () => {
    const payload = builds.get("group id payload")!;
    for (const [file, text] of payload.files)
      expect(text.split("\n")[1], file).toMatch(/^\/\/ source: \.\.\/k\*\\\/probe x {2}readonly orders/);
    // Docs: every Avro doc position (messages.ts) and the connection labels with their group ids (consumers, wiring).
    for (const file of ["messages.ts", "consumers.ts", "wiring.ts"])
      expect(payload.files.get(file), file).toContain(commentText(pwned));
    expect(payload.files.get("messages.ts")!.split(commentText(pwned)).length - 1).toBeGreaterThanOrEqual(30);
    // Literals: group ids and the codecs' schemas.
    for (const file of ["codecs.ts", "wiring.ts"])
      expect(payload.files.get(file), file).toContain(str(pwned).slice(0, -1));
    expect(stringSettings.map((s) => s.name)).toContain("groupId");
  });

  for (const name of Object.keys(hostile)) {
    it(`${name}: the same syntax as the benign build, no raw invisible characters`, () => {
      const built = builds.get(name)!;
      const reference = builds.get("benign")!;
      expect([...built.files.keys()]).toEqual([...reference.files.keys()]);
      for (const [file, text] of built.files) {
        expect(rawCharacters(file, text)).toEqual([]);
        expect(shape(file, text), `${name}: ${file} differs in syntax from the benign build`).toEqual(
          shape(file, reference.files.get(file)!),
        );
      }
      expect(rawCharacters("graph", built.graph)).toEqual([]);
      expect(graphShape(built.graph)).toBe(graphShape(reference.graph));
    });

    it(`${name}: the runtime gets every string unchanged`, async () => {
      const built = builds.get(name)!;
      const h = built.value;
      const wiring = (await import(path.join(built.outDir, "wiring.ts"))) as Record<
        string,
        (handlers: unknown) => ConnectionSpec[]
      >;
      const handler = () => undefined;
      const specs = wiring["hostileProbeConnections"]!({
        orders: handler,
        hostileInline: handler,
        hostileOwn2: handler,
      });
      expect(specs.map((s) => s.settings.groupId)).toEqual([
        settingText(h, "shared"),
        settingText(h, "named"),
        settingText(h, "own"),
      ]);
      for (const setting of stringSettings.filter((s) => s.name !== "groupId")) {
        expect(specs.map((s) => (s.settings as unknown as Record<string, unknown>)[setting.name])).toEqual([
          settingText(h, setting.name),
          settingText(h, setting.name),
          settingText(h, setting.name),
        ]);
      }
      const codecs = (await import(path.join(built.outDir, "codecs.ts"))) as Record<string, AvroCodec<unknown>>;
      for (const codec of ["orderCodec", "inlineCodec"]) {
        const type = codecs[codec]!.type as unknown as {
          doc: string;
          fields: { name: string; doc: string; defaultValue(): unknown }[];
        };
        expect(type.doc).toBe(h);
        expect(type.fields.every((f) => f.doc === h)).toBe(true);
        const defaults = Object.fromEntries(type.fields.map((f) => [f.name, f.defaultValue()]));
        expect(defaults).toMatchObject({ text: h, tags: [h, h], attrs: { [h]: h, plain: h }, maybe: h });
      }
    });
  }

  it("every build type-checks", () => {
    const snippets = new Map<string, { file: string; text: string }>();
    for (const [name, built] of builds)
      for (const [file, text] of built.files)
        snippets.set(`${name}: ${file}`, { file: path.join(built.outDir, file), text });
    expect(typeErrors(snippets)).toEqual([]);
  });

  it("importing a build runs nothing it should not (a child node process imports every one)", () => {
    const indexes = [...builds.values()].map((b) => path.join(b.outDir, "index.ts"));
    const code = `for (const f of ${JSON.stringify(indexes)}) await import(f);\nconsole.log("imported " + ${indexes.length});`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect({ status: child.status, stdout: child.stdout.trim() }, child.stderr).toEqual({
      status: 0,
      stdout: `imported ${indexes.length}`,
    });
  });
});

describe("the reported cases, through the CLI", () => {
  /** Builds a one-topic project whose named connection has `groupId`, and returns what the CLI and a child node say. */
  async function reported(groupId: string) {
    const dir = moduleDir("kefgen-reported-");
    try {
      fs.writeFileSync(
        path.join(dir, "p.kef"),
        `message A avro { "type": "record", "name": "A", "fields": [ { "name": "x", "type": "string" } ] }\n` +
          `connection c exclusive { groupId = ${JSON.stringify(groupId)} }\n` +
          `topic "orders" : A { consumer via c }\n`,
      );
      const build = await runKefgen(dir, ["build", "p.kef", "--out", "gen"]);
      const gen = path.join(dir, "gen");
      const files = fs.existsSync(gen) ? fs.readdirSync(gen) : [];
      const snippets = new Map(
        files.map((f) => [f, { file: path.join(gen, f), text: fs.readFileSync(path.join(gen, f), "utf8") }]),
      );
      const problems = typeErrors(snippets);
      const code = `const m = await import(${JSON.stringify(path.join(gen, "index.ts"))});\nconsole.log(m.pConnections({ orders: () => {} })[0].settings.groupId);`;
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 60_000,
      });
      return {
        exitCode: build.exitCode,
        stderr: build.stderr,
        files: files.length,
        typeErrors: problems,
        child: { status: child.status, stdout: child.stdout.trim() },
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("the process.exit(7) payload in a group id: exit 0, output compiles, importing it exits 0 with the group id intact", async () => {
    expect(await reported(pwned)).toEqual({
      exitCode: 0,
      stderr: "",
      files: 5,
      typeErrors: [],
      child: { status: 0, stdout: pwned },
    });
  });

  it("a group id holding an invisible character or whitespace at an end is refused (KEF2034), never written", async () => {
    for (const groupId of [
      hostile["line feed"]!,
      hostile["bidi controls"]!,
      hostile["NUL and other controls"]!,
      " padded ",
    ]) {
      const r = await reported(groupId);
      expect(r.exitCode, JSON.stringify(groupId)).toBe(1);
      expect(r.stderr).toContain("error KEF2034:");
      expect(r.files).toBe(0);
    }
  });

  it("a group id holding */ no longer crashes the build", async () => {
    expect(await reported("orders */ team")).toEqual({
      exitCode: 0,
      stderr: "",
      files: 5,
      typeErrors: [],
      child: { status: 0, stdout: "orders */ team" },
    });
  });
});
