// generator/format.ts: statements printed and formatted once per content and put together into files. A warm
// EmitCache (what `kefgen build --watch` keeps across rebuilds) must give exactly the bytes of a cold build, reuse
// what did not change, and hold nothing of earlier builds.
import fs from "node:fs";
import path from "node:path";
import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { describe, expect, it } from "vitest";
import { emit } from "../../generator/emit.js";
import { readProjectFile } from "../../generator/files.js";
import { renderFile } from "../../generator/format.js";
import type { EmitCache, GeneratedFile } from "../../generator/generated.js";
import { analyse } from "../../generator/program.js";
import { repoRoot, validCases } from "../../scripts/snapshots.js";

/** The single-file valid fixtures that declare topics: each is edited by renaming its first topic. */
const cases = validCases().filter(
  (c) => c.args[0]!.endsWith(".kef") && /^topic "/m.test(fs.readFileSync(path.join(repoRoot, c.args[0]!), "utf8")),
);

/** The case's generated files, its .kef text replaced by `edit` of it, through `cache` if given. */
async function generate(kef: string, edit: (text: string) => string, cache?: EmitCache): Promise<GeneratedFile[]> {
  const file = path.join(repoRoot, kef);
  const analysed = analyse({
    inputs: [kef],
    cwd: repoRoot,
    readFile: (p, access) => (p === file ? { text: edit(fs.readFileSync(file, "utf8")) } : readProjectFile(p, access)),
  });
  expect(analysed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return emit(analysed.model!, { runtimeImport: "kefgen/runtime", sourceLabels: ["../x.kef"] }, cache);
}

const unchanged = (text: string) => text;
const renameFirstTopic = (text: string) => text.replace(/^topic "([^"]*)"/m, 'topic "$1-renamed"');

describe("EmitCache", () => {
  it("finds the fixtures", () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases.map((c) => [c.name, c.args[0]!] as const))(
    "%s: a rebuild through a warm cache writes the bytes of a cold build",
    async (_, kef) => {
      const cache: EmitCache = new Map();
      const first = await generate(kef, unchanged, cache);
      const edited = await generate(kef, renameFirstTopic, cache);
      expect(edited).toEqual(await generate(kef, renameFirstTopic));
      expect(edited).not.toEqual(first);
      // And back: the entries of the first build were dropped, so this formats them again, to the same bytes.
      expect(await generate(kef, unchanged, cache)).toEqual(first);
    },
  );

  it("reuses the statements a change did not touch and keeps only this build's", async () => {
    const kef = cases.find((c) => c.name === "seed-ecommerce")!.args[0]!;
    const cache: EmitCache = new Map();
    await generate(kef, unchanged, cache);
    const before = new Map(cache);
    await generate(kef, renameFirstTopic, cache);
    const reused = [...cache].filter(([key, entry]) => before.get(key) === entry);
    const added = [...cache.keys()].filter((key) => !before.has(key));
    // The renamed topic's consumer class and binding function, the handlers interface and the connections function
    // (which lists the binding functions); all else reused, the other topics' bindings too.
    expect(added.length).toBe(4);
    expect(reused.length).toBe(cache.size - 4);
    expect(reused.length).toBeGreaterThan(10);

    const fresh: EmitCache = new Map();
    await generate(kef, renameFirstTopic, fresh);
    expect([...cache.keys()].sort()).toEqual([...fresh.keys()].sort());
  });

  it("refuses a structure holding a function: it could not be cached by its content", () => {
    const statement: StatementStructures = {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: "x", initializer: (writer) => writer.write("1") }],
    };
    expect(() => renderFile("// header\n", [statement], new Map(), new Set())).toThrow(/function/);
  });
});
