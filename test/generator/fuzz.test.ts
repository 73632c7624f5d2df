// Robustness: random and mutated inputs through lexer → parser → toAst → check never throw — they only produce
// diagnostics, each with a code from the catalogue and a range inside the text it points into. Inputs that parse
// without syntax errors also go through the formatter, which must be idempotent and keep the AST.
//
// The run is reproducible: KEF_FUZZ_SEED=<seed> (printed in the test name and in every failure) replays it, and
// KEF_FUZZ_COUNT=<n> changes how many inputs are tried (default 10,000).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { KefFile } from "../../grammar/ast.js";
import { toAst } from "../../grammar/to-ast.js";
import { parseText } from "../../grammar/parser.js";
import { kefLexer } from "../../grammar/tokens.js";
import type { CheckHost } from "../../generator/check.js";
import { checkFiles } from "../../generator/program.js";
import { codes as catalogue } from "../../generator/catalogue.js";
import type { Diagnostic } from "../../generator/diagnostics.js";
import { formatKef } from "../../generator/fmt.js";
import { parse, type SourceText } from "../../generator/parse.js";
import { repoRoot } from "../../scripts/snapshots.js";

const seed = Number(process.env["KEF_FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const count = Number(process.env["KEF_FUZZ_COUNT"] ?? 10_000);

/** mulberry32: a small, fast, seedable PRNG. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(dir: string, ext: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(ext) && !f.split(path.sep).includes("node_modules"))
    .map((f) => path.join(dir, f))
    .sort();
}

const kefCorpus = [
  ...walk(path.join(repoRoot, "fixtures"), ".kef"),
  ...walk(path.join(repoRoot, "examples"), ".kef"),
].map((f) => fs.readFileSync(f, "utf8"));
/** The corpus cut into declarations (a line that starts with a keyword starts one), for inputs made of a few. */
const corpusDeclarations = kefCorpus.flatMap((text) => text.split(/\n(?=namespace|message|shared|connection|topic)/));
const schemaFiles = new Map<string, string>();
for (const f of [
  ...walk(path.join(repoRoot, "fixtures"), ".avsc"),
  ...walk(path.join(repoRoot, "examples"), ".avsc"),
]) {
  schemaFiles.set(path.basename(f), fs.readFileSync(f, "utf8"));
}
const schemaTexts = [...schemaFiles.values()];

const words = [
  "namespace",
  "message",
  "from",
  "avro",
  "shared",
  "connection",
  "exclusive",
  "topic",
  "consumer",
  "via",
  "as",
  "true",
  "false",
  "null",
  "groupId",
  "sessionTimeoutMs",
  "heartbeatIntervalMs",
  "maxPollIntervalMs",
  "enableAutoCommit",
  "autoCommitIntervalMs",
  "autoOffsetReset",
  "maxPollRecords",
  "fetchMinBytes",
  "fetchMaxWaitMs",
  "maxBufferedMessages",
  "backpressure",
  "groupInstanceId",
  "ApplyBackpressure",
  "DropOldestMessage",
  "DropNewestMessage",
  "earliest",
  "latest",
  "none",
  "Order",
  "shop",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "Array",
  "class",
  "x",
];
const avroWords = [
  '"record"',
  '"enum"',
  '"array"',
  '"map"',
  '"fixed"',
  '"null"',
  '"boolean"',
  '"int"',
  '"long"',
  '"float"',
  '"double"',
  '"bytes"',
  '"string"',
  '"decimal"',
  '"uuid"',
  '"date"',
  '"time-millis"',
  '"timestamp-micros"',
  '"duration"',
  '"type"',
  '"name"',
  '"namespace"',
  '"fields"',
  '"symbols"',
  '"items"',
  '"values"',
  '"size"',
  '"default"',
  '"logicalType"',
  '"precision"',
  '"scale"',
  '"aliases"',
  '"doc"',
  '"order"',
  '"__proto__"',
  '"constructor"',
];
const punctuation = [
  "{",
  "}",
  "[",
  "]",
  ":",
  ",",
  "=",
  ".",
  '"',
  "/",
  "*",
  "//",
  "/*",
  "*/",
  "\\",
  "-",
  "\n",
  "\r\n",
  "\r",
  " ",
  "\t",
];
const strangeChars = [
  "\u0000",
  "\u00e9",
  "\u00a0",
  "\u2028",
  "\u200b",
  "\ufeff",
  "\ud800",
  "\udc00",
  "\ud83d\ude00",
  "\u0301",
  "€",
  "#",
  "@",
  "`",
  "$",
  "'",
  "\u{10ffff}",
];
const numbers = [
  "0",
  "-0",
  "1e999",
  "-1e999",
  "9007199254740993",
  "123456789012345678901234567890",
  "1.5",
  "2147483648",
  "-1",
  "1e-400",
  "0.0000001",
  "NaN",
  "Infinity",
  "00",
  "1.",
  ".5",
  "30parsecs",
  "30S",
  "1kb",
  "0x10",
  "0xZZ",
  "1_000",
  "30 s",
  "1e5s",
  "1e400s",
  "-0s",
];

/** Gives each generated input a name, so a failure says how it was made. */
interface Input {
  readonly text: string;
  readonly how: string;
  /** Schema file texts by file name, as the in-memory host serves them. */
  readonly schemas: ReadonlyMap<string, string>;
}

class Fuzzer {
  readonly random: () => number;
  constructor(s: number) {
    this.random = prng(s);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  randomUnicode(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      const r = this.random();
      if (r < 0.4) out += this.pick(punctuation);
      else if (r < 0.6) out += this.pick(strangeChars);
      else if (r < 0.8) out += String.fromCharCode(0x20 + this.int(0x5f));
      else out += String.fromCodePoint(this.int(0x110000)).replace(/[\ud800-\udfff]/g, "?");
    }
    return out;
  }

  fragment(): string {
    const r = this.random();
    if (r < 0.3) return this.pick(words);
    if (r < 0.45) return this.pick(avroWords);
    if (r < 0.65) return this.pick(punctuation);
    if (r < 0.75) return this.pick(numbers);
    if (r < 0.85) return this.pick(strangeChars);
    return JSON.stringify(this.randomUnicode(1 + this.int(6)));
  }

  /** One character-level or token-level edit. */
  mutate(text: string): { text: string; how: string } {
    const at = () => this.int(text.length + 1);
    const span = () => {
      const start = at();
      return [start, Math.min(text.length, start + 1 + this.int(this.chance(0.8) ? 8 : 200))] as const;
    };
    switch (this.int(12)) {
      case 0: {
        const [s, e] = span();
        return { text: text.slice(0, s) + text.slice(e), how: `delete ${s}..${e}` };
      }
      case 1: {
        const i = at();
        const f = this.fragment();
        return { text: text.slice(0, i) + f + text.slice(i), how: `insert ${JSON.stringify(f)} at ${i}` };
      }
      case 2: {
        const [s, e] = span();
        return { text: text.slice(0, e) + text.slice(s, e) + text.slice(e), how: `duplicate ${s}..${e}` };
      }
      case 3: {
        const [s1, e1] = span();
        const [s2, e2] = span();
        if (e1 > s2 && e2 > s1) return { text, how: "swap (overlapping, skipped)" };
        const [a, b] =
          s1 < s2
            ? [
                [s1, e1],
                [s2, e2],
              ]
            : [
                [s2, e2],
                [s1, e1],
              ];
        return {
          text:
            text.slice(0, a[0]) +
            text.slice(b[0], b[1]) +
            text.slice(a[1], b[0]) +
            text.slice(a[0], a[1]) +
            text.slice(b[1]),
          how: `swap ${a[0]}..${a[1]} with ${b[0]}..${b[1]}`,
        };
      }
      case 4: {
        const i = at();
        return { text: text.slice(0, i), how: `truncate at ${i}` };
      }
      case 5: {
        const i = at();
        const u = this.randomUnicode(1 + this.int(10));
        return { text: text.slice(0, i) + u + text.slice(i), how: `insert unicode ${JSON.stringify(u)} at ${i}` };
      }
      case 6:
      case 7:
      case 8:
        return this.mutateTokens(text);
      case 9: {
        const n = numbers.length > 0 ? this.pick(numbers) : "0";
        const out = text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g, (m) => (this.chance(0.3) ? n : m));
        return { text: out, how: `numbers → ${n}` };
      }
      case 10: {
        const i = at();
        const block = `\n${this.pick(["shared", "connection c exclusive", 'topic "t" : Order { consumer exclusive', 'topic "t" : Order { consumer'])} { ${this.pick(words)} = ${this.pick([...numbers, ...words, '""', '"x"'])} }${this.chance(0.5) ? " }" : ""}\n`;
        return { text: text.slice(0, i) + block + text.slice(i), how: `insert block ${JSON.stringify(block)} at ${i}` };
      }
      default: {
        const i = at();
        const depth = this.pick([10, 50, 99, 101, 1000, 3000]);
        const kind = this.int(3);
        const nested =
          kind === 0
            ? `${"[".repeat(depth)}${"]".repeat(depth)}`
            : kind === 1
              ? `${'{"type": '.repeat(depth)}"int"${"}".repeat(depth)}`
              : `${'{"a": ['.repeat(depth)}${"]}".repeat(depth)}`;
        const text2 = `${text.slice(0, i)}\nmessage Deep avro { "type": "record", "name": "Deep", "fields": [{ "name": "f", "type": ${nested} }] }\n${text.slice(i)}`;
        return { text: text2, how: `nested JSON (kind ${kind}, depth ${depth}) at ${i}` };
      }
    }
  }

  /** Deletes, duplicates, swaps or replaces whole tokens. */
  mutateTokens(text: string): { text: string; how: string } {
    const tokens = kefLexer.tokenize(text).tokens;
    if (tokens.length === 0) return { text: text + this.fragment(), how: "append (no tokens)" };
    const t = this.pick(tokens);
    const s = t.startOffset;
    const e = t.endOffset! + 1;
    switch (this.int(4)) {
      case 0:
        return { text: text.slice(0, s) + text.slice(e), how: `delete token ${JSON.stringify(t.image)} at ${s}` };
      case 1:
        return {
          text: text.slice(0, e) + " " + t.image + text.slice(e),
          how: `duplicate token ${JSON.stringify(t.image)} at ${s}`,
        };
      case 2: {
        const u = this.pick(tokens);
        if (u === t) return { text, how: "swap token with itself" };
        const [a, b] = t.startOffset < u.startOffset ? [t, u] : [u, t];
        const out =
          text.slice(0, a.startOffset) +
          b.image +
          text.slice(a.endOffset! + 1, b.startOffset) +
          a.image +
          text.slice(b.endOffset! + 1);
        return { text: out, how: `swap tokens ${JSON.stringify(a.image)} and ${JSON.stringify(b.image)}` };
      }
      default: {
        const f = this.fragment();
        return {
          text: text.slice(0, s) + f + text.slice(e),
          how: `replace token ${JSON.stringify(t.image)} at ${s} with ${JSON.stringify(f)}`,
        };
      }
    }
  }

  /** A random Avro-ish JSON value, to reach the schema checks. */
  avro(depth: number): string {
    const r = this.random();
    if (depth > 3 || r < 0.3) return this.pick([...avroWords, ...numbers, "null", "true", "[]", "{}"]);
    if (r < 0.5) return `[${Array.from({ length: this.int(4) }, () => this.avro(depth + 1)).join(", ")}]`;
    const members = Array.from({ length: 1 + this.int(5) }, () => `${this.pick(avroWords)}: ${this.avro(depth + 1)}`);
    return `{ ${members.join(", ")} }`;
  }

  /** A declaration sequence from the grammar with random parts: reaches the checker more often than mutations. */
  generated(): string {
    const out: string[] = [];
    if (this.chance(0.5)) out.push(`namespace ${this.pick(words)}${this.chance(0.5) ? `.${this.pick(words)}` : ""}`);
    for (let i = 0, n = 1 + this.int(8); i < n; i++) {
      const settings = () =>
        `{ ${Array.from({ length: this.int(4) }, () => `${this.pick(words)} = ${this.pick([...numbers, ...words, '"g"', '""', '"a b"'])}`).join(" ")} }`;
      switch (this.int(5)) {
        case 0:
          out.push(
            `message ${this.pick(words)} avro ${this.chance(0.5) ? this.avro(0) : `{ "type": "record", "name": ${this.pick(avroWords)}, "fields": [{ "name": ${this.pick(avroWords)}, "type": ${this.avro(1)} }] }`}`,
          );
          break;
        case 1:
          out.push(
            `message ${this.pick(words)} from ${JSON.stringify(this.pick([...schemaFiles.keys()].map((k) => `schemas/${k}`).concat(["missing.avsc", "", "/", "schemas"])))}`,
          );
          break;
        case 2:
          out.push(`shared ${settings()}`);
          break;
        case 3:
          out.push(`connection ${this.pick(words)} exclusive ${settings()}`);
          break;
        default: {
          const clause = this.pick([
            "",
            ` { consumer ${settings()} }`,
            ` { consumer via ${this.pick(words)} }`,
            ` { consumer exclusive ${settings()} }`,
            " { }",
          ]);
          out.push(
            `topic ${JSON.stringify(this.pick(["orders", "a.b", "", "x".repeat(250), "bad name", "orders"]))}${this.chance(0.3) ? ` as ${this.pick(words)}` : ""} : ${this.pick(words)}${clause}`,
          );
        }
      }
    }
    return out.join("\n");
  }

  input(): Input {
    const schemas = new Map(schemaFiles);
    const r = this.random();
    let text: string;
    const how: string[] = [];
    if (r < 0.05) {
      text = this.randomUnicode(this.int(200));
      how.push("random unicode");
    } else if (r < 0.3) {
      text = this.generated();
      how.push("generated");
    } else if (r < 0.8) {
      const start = this.int(corpusDeclarations.length);
      text = corpusDeclarations.slice(start, start + 1 + this.int(3)).join("\n");
      how.push(`corpus declarations from #${start}`);
    } else {
      text = this.pick(kefCorpus);
      how.push(`corpus #${kefCorpus.indexOf(text)}`);
    }
    for (let i = 0, n = this.int(4); i < n; i++) {
      const m = this.mutate(text);
      text = m.text;
      how.push(m.how);
    }
    if (this.chance(0.15)) {
      const name = this.pick([...schemaFiles.keys()]);
      let schema = this.chance(0.3) ? this.avro(0) : this.pick(schemaTexts);
      for (let i = 0, n = 1 + this.int(3); i < n; i++) schema = this.mutate(schema).text;
      schemas.set(name, schema);
      how.push(`schema ${name} := ${JSON.stringify(schema.slice(0, 200))}`);
    }
    return { text, how: how.join("; "), schemas };
  }
}

// ---------------------------------------------------------------------------------------------
// Properties

const dir = "/fuzz";
const file = "fuzz.kef";

const lineStartsCache = new Map<string, number[]>();

/** Line and column of an offset; lines end at "\r\n", a lone "\r" or "\n". */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let starts = lineStartsCache.get(text);
  if (!starts) {
    starts = [0];
    for (const m of text.matchAll(/\r\n|\r|\n/g)) starts.push(m.index + m[0].length);
    lineStartsCache.clear();
    lineStartsCache.set(text, starts);
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

function rangeProblem(
  texts: ReadonlyMap<string, string>,
  where: { file: string; range: Diagnostic["range"] },
): string | undefined {
  const text = texts.get(where.file);
  if (text === undefined) return `points into unknown file ${where.file}`;
  const { start, end } = where.range;
  if (!(Number.isInteger(start.offset) && Number.isInteger(end.offset))) return "offsets are not integers";
  if (start.offset < 0 || start.offset > end.offset || end.offset > text.length)
    return `range ${start.offset}..${end.offset} is outside 0..${text.length}`;
  for (const [name, p] of [
    ["start", start],
    ["end", end],
  ] as const) {
    const expected = positionOf(text, p.offset);
    if (p.line !== expected.line || p.column !== expected.column) {
      return `${name} is ${p.line}:${p.column} but offset ${p.offset} is at ${expected.line}:${expected.column}`;
    }
  }
  return undefined;
}

function withoutRanges(ast: KefFile): string {
  return JSON.stringify(ast, (key, value: unknown) => (key === "range" || key === "keyword" ? undefined : value));
}

/** Runs one input through every stage; returns what was wrong, or undefined. */
function runOne(input: Input, stats: { formatted: number; checked: number; diagnostics: number }): string | undefined {
  const source: SourceText = { file, absolutePath: path.posix.join(dir, file), text: input.text };
  const host: CheckHost = {
    readFile: (p) =>
      path.posix.dirname(p) === path.posix.join(dir, "schemas") ? input.schemas.get(path.posix.basename(p)) : undefined,
    displayPath: (p) => path.posix.relative(dir, p),
  };
  const parsed = parse(source);
  const checked = checkFiles([{ ast: parsed.value, source }], host);
  stats.checked++;
  const texts = new Map([[file, input.text], ...checked.sources]);
  const all = [...parsed.diagnostics, ...checked.diagnostics];
  stats.diagnostics += all.length;
  for (const d of all) {
    if (!(d.code in catalogue)) return `unknown code ${d.code}: ${d.message}`;
    if (d.severity !== "error" && d.severity !== "warning") return `bad severity ${String(d.severity)}`;
    if (typeof d.message !== "string" || d.message.length === 0) return `${d.code} has no message`;
    const problem = rangeProblem(texts, d);
    if (problem) return `${d.code} "${d.message}" ${problem}`;
    for (const r of d.related ?? []) {
      const relatedProblem = rangeProblem(texts, r);
      if (relatedProblem) return `related location of ${d.code} "${r.message}" ${relatedProblem}`;
    }
  }
  // Every third clean input also goes through the formatter (twice, the slowest stage): keeps the run short.
  if (parsed.diagnostics.length === 0 && stats.checked % 3 === 0) {
    const once = formatKef(source);
    if (once.text === undefined) return "formatter refused a file without syntax errors";
    const twice = formatKef({ ...source, text: once.text });
    if (twice.text !== once.text)
      return `formatting is not idempotent:\n${once.text}\n---\n${twice.text ?? "(refused)"}`;
    if (withoutRanges(toAst(parseText(once.text, "file").cst)) !== withoutRanges(parsed.value))
      return "formatting changed the AST";
    stats.formatted++;
  }
  return undefined;
}

describe("fuzz", () => {
  // Inputs that crashed a stage once; each stays here so the crash cannot come back unnoticed.
  const found: [string, Input][] = [
    [
      "a decimal on a fixed of 2^31 bytes (BigInt overflow in maxDecimalDigits)",
      {
        text: 'message M avro { "type": "fixed", "name": "F", "size": 2147483648, "logicalType": "decimal", "precision": 2147483648 }',
        how: "regression",
        schemas: new Map(),
      },
    ],
    [
      "JSON nested 3,000 levels deep (stack overflow in the parser)",
      {
        text: `message M avro { "type": ${"[".repeat(3000)}${"]".repeat(3000)} }`,
        how: "regression",
        schemas: new Map(),
      },
    ],
    [
      "writers of a message whose schema names an unknown type (an unlinked reference in the writer comparison)",
      {
        text:
          'message Order avro { "type": "record", "name": "Order", "fields": [{ "name": "amount", "type": "doublee" }] } writers ["schemas/v1.avsc"]\n' +
          'shared { groupId = "g"  format = singleObject }\ntopic "orders" : Order',
        how: "regression",
        schemas: new Map([
          ["v1.avsc", '{ "type": "record", "name": "Order", "fields": [{ "name": "amount", "type": "double" }] }'],
        ]),
      },
    ],
    [
      "an .avsc file nested 3,000 levels deep",
      {
        text: 'message M from "schemas/deep.avsc"',
        how: "regression",
        schemas: new Map([["deep.avsc", `${'{"type": '.repeat(3000)}"int"${"}".repeat(3000)}`]]),
      },
    ],
  ];
  for (const [name, input] of found) {
    it(`survives ${name}`, () => {
      const stats = { formatted: 0, checked: 0, diagnostics: 0 };
      expect(runOne(input, stats)).toBeUndefined();
      expect(stats.diagnostics).toBeGreaterThan(0);
    });
  }

  it(`lexer, parser, checker and formatter survive ${count} random and mutated inputs (KEF_FUZZ_SEED=${seed})`, () => {
    expect(kefCorpus.length).toBeGreaterThan(20);
    const fuzzer = new Fuzzer(seed);
    const stats = { formatted: 0, checked: 0, diagnostics: 0 };
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const input = fuzzer.input();
      let problem: string | undefined;
      try {
        problem = runOne(input, stats);
      } catch (error) {
        problem = `threw ${(error as Error).stack ?? String(error)}`;
      }
      if (problem) {
        const shown =
          input.text.length > 4000
            ? `${JSON.stringify(input.text.slice(0, 4000))} … (${input.text.length} characters)`
            : JSON.stringify(input.text);
        expect.fail(`KEF_FUZZ_SEED=${seed}, input #${i} (${input.how}):\n${problem}\ninput: ${shown}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    console.log(
      `fuzz: ${count} inputs in ${seconds.toFixed(1)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (${Math.round(count / seconds)}/s), seed ${seed}; ` +
        `${stats.diagnostics} diagnostics, ${stats.formatted} inputs without syntax errors formatted twice`,
    );
    // The mix must reach every stage: some inputs parse cleanly (formatter, checker), most produce diagnostics.
    expect(stats.formatted).toBeGreaterThan(count / 20);
    expect(stats.diagnostics).toBeGreaterThan(count);
  });
});
