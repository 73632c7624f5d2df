// kefgen graph: the committed diagram of every valid fixture, the diagram's structure (every referenced node is
// defined, every topic drawn in its chain), label escaping, and the command's outputs and errors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { label, mermaidGraph } from "../../generator/cli/graph.js";
import { analyse } from "../../generator/program.js";
import { graphCase, repoRoot, runCli, validCases } from "../../scripts/snapshots.js";
import { runKefgen } from "../support/cli.js";

describe("golden diagrams", () => {
  it("there is one for the seed fixture", () => {
    expect(validCases().map((c) => graphCase(c).file)).toContain("fixtures/valid/seed/seed.graph.md");
  });

  it("docs/tools.md shows the seed's current diagram", () => {
    const seed = fs.readFileSync(path.join(repoRoot, "fixtures/valid/seed/seed.graph.md"), "utf8");
    const block = seed.slice(seed.indexOf("```mermaid"), seed.lastIndexOf("```") + 3);
    expect(block.length).toBeGreaterThan(100);
    expect(fs.readFileSync(path.join(repoRoot, "docs/tools.md"), "utf8")).toContain(block);
  });

  for (const c of validCases()) {
    const graph = graphCase(c);
    it(`${graph.file} is what kefgen graph draws`, async () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-graph-")), "graph.md");
      const r = await runCli(["graph", ...graph.args, "--out", out]);
      expect(r.exitCode, r.output).toBe(0);
      const committed = path.join(repoRoot, graph.file);
      expect(fs.existsSync(committed), `${graph.file} is missing: run npm run snapshots:update`).toBe(true);
      expect(fs.readFileSync(out, "utf8"), `${graph.file} is stale: run npm run snapshots:update`).toBe(
        fs.readFileSync(committed, "utf8"),
      );
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    });
  }
});

interface Parsed {
  readonly header: string;
  readonly nodes: Map<string, { shape: string; label: string }>;
  readonly edges: [string, string][];
  readonly classDefs: Set<string>;
  readonly classes: Map<string, string>;
  readonly unparsed: string[];
}

const shapes: Record<string, string> = { "([": "])", "[[": "]]", "[(": ")]", "(": ")", "[": "]" };

/** A small parser for the subset of Mermaid flowchart syntax kefgen writes; anything else lands in `unparsed`. */
function parseFlowchart(text: string): Parsed {
  const [header = "", ...lines] = text.trimEnd().split("\n");
  const parsed: Parsed = {
    header,
    nodes: new Map(),
    edges: [],
    classDefs: new Set(),
    classes: new Map(),
    unparsed: [],
  };
  for (const line of lines) {
    const node = /^ {2}([A-Za-z][A-Za-z0-9]*)(\(\[|\[\[|\[\(|\(|\[)"([^"]*)"(\]\)|\]\]|\)\]|\)|\])$/.exec(line);
    // `a --> b`, or a dotted edge with a label (a handler's dead-letter path): `a -.->|"after 5 attempts"| b`.
    const edge =
      /^ {2}([A-Za-z][A-Za-z0-9]*) (?:-->|-\.->\|"(?:[A-Za-z0-9 ._\-:/,=+*@!?']|#\d+;|<br\/>)*"\|) ([A-Za-z][A-Za-z0-9]*)$/.exec(
        line,
      );
    const classDef = /^ {2}classDef ([a-z]+) fill:#[0-9a-f]{6}$/.exec(line);
    const cls = /^ {2}class ([A-Za-z0-9,]+) ([a-z]+)$/.exec(line);
    if (node && shapes[node[2]!] === node[4]) {
      if (parsed.nodes.has(node[1]!)) parsed.unparsed.push(`duplicate node ${line}`);
      parsed.nodes.set(node[1]!, { shape: node[2]!, label: node[3]! });
    } else if (edge) parsed.edges.push([edge[1]!, edge[2]!]);
    else if (classDef) parsed.classDefs.add(classDef[1]!);
    else if (cls) for (const id of cls[1]!.split(",")) parsed.classes.set(id, cls[2]!);
    else parsed.unparsed.push(line);
  }
  return parsed;
}

/** Undoes `label`: Mermaid's numeric entities back to characters, `<br/>` to line breaks. */
function decode(text: string): string {
  return text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))).replace(/<br\/>/g, "\n");
}

describe("diagram structure", () => {
  for (const c of validCases()) {
    it(`${c.name}: every node is defined once, every edge joins defined nodes, every topic has its chain`, () => {
      const project = graphCase(c).args;
      const inputs =
        project[0] === "--config" ? JSON.parse(fs.readFileSync(path.join(repoRoot, project[1]!), "utf8")) : undefined;
      const analysed = analyse(
        inputs
          ? { inputs: inputs.files as string[], cwd: repoRoot, baseDir: path.dirname(path.join(repoRoot, project[1]!)) }
          : { inputs: project, cwd: repoRoot },
      );
      const model = analysed.model!;
      expect(model).toBeDefined();
      const g = parseFlowchart(mermaidGraph(model));
      expect(g.header).toBe("flowchart LR");
      expect(g.unparsed).toEqual([]);
      const ids = new Set(g.nodes.keys());
      for (const [from, to] of g.edges) {
        expect(ids.has(from), `edge from undefined node ${from}`).toBe(true);
        expect(ids.has(to), `edge to undefined node ${to}`).toBe(true);
      }
      const linked = new Set(g.edges.flat());
      expect([...ids].filter((id) => !linked.has(id))).toEqual([]);
      for (const [id, kind] of g.classes) {
        expect(ids.has(id)).toBe(true);
        expect(g.classDefs.has(kind)).toBe(true);
      }
      expect(new Set(g.classes.keys())).toEqual(ids);
      for (const { label: text } of g.nodes.values())
        expect(text).toMatch(/^([A-Za-z0-9 ._\-:/,=+*@!?']|#\d+;|<br\/>)*$/);

      // connection → consumer → topic → handler, for every topic of every connection, in the model's order.
      const next = (id: string) => g.edges.filter(([from]) => from === id).map(([, to]) => to);
      const connections = [...ids].filter((id) => g.classes.get(id) === "connection");
      expect(connections.length).toBe(model.connections.length);
      model.connections.forEach((connection, i) => {
        const [consumer, ...more] = next(connections[i]!);
        expect(more).toEqual([]);
        expect(decode(g.nodes.get(consumer!)!.label)).toContain(`group ${connection.settings.groupId}`);
        const topics = next(consumer!);
        expect(topics.map((t) => decode(g.nodes.get(t)!.label).split("\n")[0])).toEqual(
          connection.topics.map((t) => t.topic),
        );
        topics.forEach((topic, j) => {
          const handlers = next(topic);
          expect(handlers.length).toBe(1);
          expect(decode(g.nodes.get(handlers[0]!)!.label).split("\n")[0]).toBe(
            `handlers.${connection.topics[j]!.handlerKey}`,
          );
          // A topic's generated producer, and only then, points at it.
          const writers = g.edges
            .filter(([from, to]) => to === topic && g.classes.get(from) === "producer")
            .map(([from]) => decode(g.nodes.get(from)!.label).split("\n")[0]);
          expect(writers).toEqual(
            connection.topics[j]!.producer ? [`producers.topics.${connection.topics[j]!.handlerKey}`] : [],
          );
        });
      });
    });
  }
});

describe("labels", () => {
  it("write every character that could end a label, start a comment or inject markup as an entity, losslessly", () => {
    const hostile = 'a"]; b[x] #35; <script>alert(1)</script> %% end\n`x` é 😀 {y} (z) |w| &amp; ;';
    const escaped = label(hostile);
    expect(escaped).toMatch(/^([A-Za-z0-9 ._\-:/,=+*@!?']|#\d+;)*$/);
    expect(escaped).not.toMatch(/["<>[\]{}()|`%\n]/);
    expect(decode(escaped)).toBe(hostile);
    expect(label("order-events.v2_x")).toBe("order-events.v2_x");
  });

  // (A group id cannot hold a line break or other control character: the checker refuses it, KEF2034.)
  it("keep a hostile group id inside its node: the diagram still has exactly its four nodes and three edges", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-graph-"));
    fs.writeFileSync(
      path.join(dir, "h.kef"),
      'message M avro { "type": "record", "name": "M", "fields": [] }\nshared { groupId = "x\\"]]  evil[\\"boom\\"] --> consumer1 %% #" }\ntopic "t" : M\n',
    );
    const analysed = analyse({ inputs: ["h.kef"], cwd: dir });
    const g = parseFlowchart(mermaidGraph(analysed.model!));
    expect(g.unparsed).toEqual([]);
    expect([...g.nodes.keys()]).toEqual(["connection1", "consumer1", "topic1", "handler1"]);
    expect(g.edges).toEqual([
      ["connection1", "consumer1"],
      ["consumer1", "topic1"],
      ["topic1", "handler1"],
    ]);
    expect(decode(g.nodes.get("consumer1")!.label)).toBe('Kafka consumer\ngroup x"]]  evil["boom"] --> consumer1 %% #');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("kefgen graph", () => {
  let dir: string;

  async function kefgen(...args: string[]) {
    return runKefgen(dir, args);
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-graph-cli-"));
    fs.cpSync(path.join(repoRoot, "fixtures/valid/seed"), dir, {
      recursive: true,
      filter: (src) => !src.includes("expected"),
    });
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints Markdown by default, the same bytes as the committed seed diagram", async () => {
    const r = await kefgen("graph", "seed.kef");
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    expect(r.stdout).toBe(fs.readFileSync(path.join(repoRoot, "fixtures/valid/seed/seed.graph.md"), "utf8"));
    expect((await kefgen("graph", "seed.kef")).stdout).toBe(r.stdout);
  });

  it("--out file.mmd writes the bare diagram, --out file.md the Markdown", async () => {
    expect(await kefgen("graph", "seed.kef", "--out", "docs/consumers.mmd")).toEqual({
      exitCode: 0,
      stdout: "wrote docs/consumers.mmd\n",
      stderr: "",
    });
    const mmd = fs.readFileSync(path.join(dir, "docs/consumers.mmd"), "utf8");
    expect(mmd.startsWith("flowchart LR\n")).toBe(true);
    expect(await kefgen("graph", "seed.kef", "--out", "consumers.md")).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(path.join(dir, "consumers.md"), "utf8")).toContain(`\`\`\`mermaid\n${mmd}\`\`\`\n`);
  });

  it("draws nothing for a file with errors: diagnostics, exit 1", async () => {
    fs.writeFileSync(path.join(dir, "bad.kef"), 'topic "orders" : Ordr\n');
    const r = await kefgen("graph", "bad.kef", "--out", "bad.md");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('bad.kef:1:18 - error KEF2001: unknown message type "Ordr"');
    expect(fs.existsSync(path.join(dir, "bad.md"))).toBe(false);
  });

  it("--format json: diagnostics as JSON; with no --out the Markdown is in the same document", async () => {
    fs.writeFileSync(path.join(dir, "bad.kef"), 'topic "orders" Order\n');
    const bad = await kefgen("graph", "bad.kef", "--format", "json");
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe("");
    expect((JSON.parse(bad.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toEqual([
      "KEF1002",
    ]);

    const good = await kefgen("graph", "seed.kef", "--format", "json");
    expect(good.exitCode).toBe(0);
    const doc = JSON.parse(good.stdout) as { diagnostics: unknown[]; graph: string };
    expect(doc.diagnostics).toEqual([]);
    expect(doc.graph).toBe(fs.readFileSync(path.join(repoRoot, "fixtures/valid/seed/seed.graph.md"), "utf8"));
  });

  it("reports an output it cannot write as KEF4002", async () => {
    fs.writeFileSync(path.join(dir, "taken"), "a file, not a directory");
    const r = await kefgen("graph", "seed.kef", "--out", "taken/graph.md", "--format", "json");
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout) as { diagnostics: { code: string; message: string }[] };
    expect(doc.diagnostics.map((d) => d.code)).toEqual(["KEF4002"]);
    expect(doc.diagnostics[0]!.message).toContain('cannot write "taken/graph.md"');
  });
});
