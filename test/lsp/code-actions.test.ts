// Quick fixes over stdio, for every diagnostic with a hint that the invalid fixtures produce (fixtures/invalid/*.kef),
// those shown on the schema files they read included.
// A hint that names an edit ("did you mean", "write name = value", "add deadLetter = default", "name it: ... as x",
// "choose another name", "remove route", "declare it: ...") must yield one quick fix that, applied, makes the project
// stop reporting the diagnostic without reporting a new error: checked here again with analyse(), independently of the
// server's own check. The hinted diagnostics that get none are listed below, each as `fixture: hint`: the hints that
// only give advice (no edit to make), and those whose edit the server refuses because it does not fix the file, with
// the reason. A new hinted diagnostic in a fixture fails this test until it gets a fix or a line here.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { proposal } from "../../generator/lsp/code-actions.js";
import { analyse } from "../../generator/program.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { startServer, uri, type LspClient } from "../support/lsp.js";

const invalid = path.join(repoRoot, "fixtures/invalid");

/** Hints that give advice without an edit to make. */
const advice: readonly string[] = [
  "avro-bad-attributes.kef: symbols are: LOW, HIGH",
  "avro-bad-attributes.kef: a logical type decides its own representation",
  'avro-bad-attributes.kef: write the schema itself instead of wrapping it in {"type": ...}',
  "avro-conflicting-definitions.kef: one name, one definition: rename one of them or make them identical",
  'avro-inherited-names.kef: every JavaScript object has a "constructor" property: avsc, which looks symbols up in an object, would reject the schema or accept values that are not symbols',
  'avro-inherited-names.kef: every JavaScript object has a "toString" property: avsc, which looks symbols up in an object, would reject the schema or accept values that are not symbols',
  'avro-inherited-names.kef: every JavaScript object has a "valueOf" property: avsc cannot use the name as a union branch key; give the type a namespace or another name',
  "avro-logical-type-ignored.kef: the value is read as the underlying bytes, as the Avro specification asks",
  "avro-logical-type-ignored.kef: the value is read as the underlying fixed, as the Avro specification asks",
  "avro-logical-type-ignored.kef: the value is read as the underlying int, as the Avro specification asks",
  "avro-logical-type-ignored.kef: the value is read as the underlying long, as the Avro specification asks",
  "avro-number-not-representable.kef: numbers must stay below 1.7976931348623157e308",
  "avro-type-not-in-file.kef: write the full name, e.g. #com.acme.a.Item",
  "avro-type-not-in-file.kef: it defines: com.acme.a.Item, com.acme.b.Item, com.acme.a.Order",
  "avro-unknown-type.kef: Avro's primitive types are null, boolean, int, long, float, double, bytes, string",
  "blank-string-setting.kef: use visible characters only: letters, digits, '.', '_' and '-' are safe everywhere",
  "connection-name-collision.kef: give the topic another name with `as`, or rename the connection",
  "exactly-once-platformatic.kef: use the kafkajs client (the default) on the connection of an exactly-once topic",
  "failure-backoff.kef: the first wait is retryBackoffMs and no wait is longer than retryMaxBackoffMs: raise the maximum or lower the first wait",
  "group-id-reused.kef: each connection is its own Kafka consumer and needs its own group",
  "heartbeat-close-to-session.kef: a heartbeat interval of at most 3000 leaves room for two missed heartbeats",
  "internal-topic.kef: consume your own topics; Kafka's internal topics are not written in a format kefgen can decode",
  'internal-topic.kef: rename the topic without the leading "__"',
  "multi-type-members.kef: the members of a multi-type topic are routed by their record's full name: each must be a record",
  "multi-type-members.kef: a multi-type topic's records are routed by the full Avro name of their type; give each member its own record",
  "multi-type-members.kef: list each message type of a multi-type topic once",
  'name-collision-codec.kef: rename message "Foo_Bar"',
  'name-collision-generated.kef: rename message "ProbeHandlers"',
  'name-collision-generated.kef: rename message "orderCodec"',
  "number-not-decimal.kef: binary numbers are not supported",
  "number-not-representable.kef: numbers must stay below 1.7976931348623157e308",
  "producer-unsupported.kef: a producer block already asks for this topic's producer; produce = true belongs in the shared block",
  'producer-unsupported.kef: producer settings go in the shared block or in a topic\'s producer block: topic "..." : Message { producer { acks = ... } }',
  'producer-unsupported.kef: producer settings go in the topic\'s producer block: topic "..." : Message { producer { idempotent = ... } }',
  "proto-field.kef: rename the field; avsc cannot decode a field named __proto__",
  "registry-declarations.kef: a registry has: url, auth",
  "registry-declarations.kef: read a topic with it: format = confluent",
  "schema-file-not-found.kef: looked for schemas/missing.avsc; paths are relative to the .kef file",
  'schema-file-outside.kef: the project root is "."; to read files from another directory, list it in "allowOutside" in kefgen.config.json',
  "session-timeout-bounds.kef: brokers with default settings refuse the join with INVALID_SESSION_TIMEOUT",
  'setting-not-allowed.kef: only maxBufferedMessages, concurrency, backpressure, exactlyOnce, transactionMaxRecords, transactionMaxMs, format, subjects, registry, retryAttempts, retryBackoffMs, retryMaxBackoffMs, retryMultiplier, retryJitterPercent, deadLetter, onDecodeError can be set per topic; use "consumer exclusive { ... }" or a named connection for consumer settings',
  "single-object-writers.kef: looked for schemas/writer-missing.avsc; paths are relative to the .kef file",
  "single-object-writers.kef: Avro's resolution rules decide which writers a reader can read (docs/language.md, Evolution)",
  "single-object-writers.kef: a writer schema is built on its own: define every named type it uses in it",
  'topic-clauses.kef: rename message "none" to use it as a key',
  "topic-clauses.kef: a topic may say key <string | bytes | none | Message> and tombstones",
  "topic-metric-collision.kef: a broker refuses to create one of them while the other exists; use only '.' or only '_' in topic names",
  "topic-provisioning.kef: the number of brokers that keep a copy of each partition, at most the cluster's size",
  "topic-provisioning.kef: units for a duration: ms, s, min, h, d",
  "topic-provisioning.kef: a topic's { } takes partitions, replicationFactor, config { ... } and consumer ...; consumer settings go in consumer { ... }",
  "units.kef: units for a duration: ms, s, min, h",
  "units.kef: units for a size: B, KB, MB, GB, KiB, MiB, GiB",
  'unknown-unit.kef: "maxBufferedMessages" takes a plain number, without a unit',
  "unknown-unit.kef: units for a duration: ms, s, min, h",
  'unused-connection.kef: use it with: topic "..." : Message { consumer via spare }',
  "value-out-of-range.kef: a third of the session timeout or less is usual",
];
const refused: Readonly<Record<string, string>> = {
  'avro-type-not-in-file.kef: did you mean "com.acme.a.Order"?':
    'the diagnostic spans the whole "file.avsc#Name" string: the name alone in its place is no fix',
  "exactly-once-auto-commit.kef: leave enableAutoCommit false (the default) on the connection of an exactly-once topic":
    "enableAutoCommit is written on the connection; the topic the diagnostic is on cannot take it (KEF2008)",
  "multi-type-route.kef: write format = confluent in the topic's consumer block (or on its connection, or in the shared block), or route by a header":
    "Confluent framing then needs a registry, which the fixture does not declare (KEF2051)",
  'registry-declarations.kef: remove them from the url and write auth = basic(env("SR_USER"), env("SR_PASSWORD"))':
    "adding auth leaves the credentials in the url",
  "single-object-writers.kef: only single-object records name their writer schema; add format = singleObject to its topic, or remove the writers":
    "the diagnostic is on the message; format belongs to the topic that reads it, another declaration",
  'topic-provisioning.kef: did you mean "partitions"?':
    "that topic says partitions already: the fix would say it twice (KEF2144)",
  'topic-provisioning.kef: did you mean "retention.ms"?': 'that config block says "retention.ms" already (KEF2144)',
  "unsupported-setting-inherited.kef: choose the platformatic client: client = platformatic (on this connection or on shared)":
    "the setting is inherited from the shared block: client = platformatic where the diagnostic is does not clear it",
};

interface Hinted {
  /** The fixture, and for a diagnostic shown on one of its schema files, that file: `x.kef (schemas/y.avsc)`. */
  readonly fixture: string;
  readonly kef: string;
  /** The file the diagnostic is shown on. */
  readonly file: string;
  readonly text: string;
  readonly diagnostic: LspDiagnostic;
  readonly hint: string;
  readonly actions: CodeAction[];
}

let client: LspClient;
const hinted: Hinted[] = [];

beforeAll(async () => {
  client = await startServer();
  for (const fixture of fs
    .readdirSync(invalid)
    .filter((f) => f.endsWith(".kef"))
    .sort()) {
    const kef = path.join(invalid, fixture);
    // The files besides the .kef that kefgen check reports on (schema files): their diagnostics are shown on them.
    const others = [
      ...new Set(analyse({ inputs: [kef], cwd: invalid }).diagnostics.map((d) => path.resolve(invalid, d.file))),
    ].filter((f) => f !== kef);
    const shown = others.map((f) => client.until(uri(f), (ds) => ds.length > 0));
    const onKef = await client.open(kef, fs.readFileSync(kef, "utf8"));
    const published = [[kef, onKef] as const, ...(await Promise.all(shown)).map((ds, i) => [others[i]!, ds] as const)];
    for (const [file, diagnostics] of published) {
      const text = fs.readFileSync(file, "utf8");
      for (const diagnostic of diagnostics) {
        const hint = (diagnostic.data as { hint?: string } | undefined)?.hint;
        if (hint === undefined) continue;
        const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
          textDocument: { uri: uri(file) },
          range: diagnostic.range,
          context: { diagnostics: [diagnostic] },
        });
        const name = file === kef ? fixture : `${fixture} (${path.relative(invalid, file)})`;
        hinted.push({ fixture: name, kef, file, text, diagnostic, hint, actions });
      }
    }
  }
}, 600_000);
afterAll(async () => client.close());

const key = (h: Hinted) => `${h.fixture}: ${h.hint}`;
const messageOf = (d: LspDiagnostic) => String(d.message).split("\nhint: ")[0]!;

describe("quick fixes of the invalid fixtures' hinted diagnostics", () => {
  it("every hint that names an edit yields a fix that clears its diagnostic without a new error", () => {
    const fixable = hinted.filter((h) => !advice.includes(key(h)) && !(key(h) in refused));
    expect(fixable.length).toBeGreaterThanOrEqual(50);
    // A schema file's own: "write 0 if you mean zero" on a default too small for a double.
    expect(fixable.map(key)).toContain(
      "avro-number-not-representable.kef (schemas/tiny-default.avsc): write 0 if you mean zero",
    );
    for (const h of fixable) {
      expect(
        h.actions.map((a) => a.kind),
        key(h),
      ).toEqual(["quickfix"]);
      const changes = h.actions[0]!.edit!.changes!;
      expect(Object.keys(changes), key(h)).toEqual([uri(h.file)]);
      const fixed = TextDocument.applyEdits(
        TextDocument.create(uri(h.file), h.file.endsWith(".kef") ? "kef" : "json", 1, h.text),
        changes[uri(h.file)] as TextEdit[],
      );
      const errors = (text: string) =>
        analyse({
          inputs: [h.kef],
          cwd: invalid,
          readFile: (p) => (p === h.file ? { text } : { text: fs.readFileSync(p, "utf8") }),
        }).diagnostics;
      const before = errors(h.text);
      const after = errors(fixed);
      expect(
        after.filter((d) => d.code === h.diagnostic.code && d.message === messageOf(h.diagnostic) && d.hint === h.hint),
        `${key(h)}: still reported after "${h.actions[0]!.title}"`,
      ).toEqual([]);
      const known = new Set(before.map((d) => `${d.code} ${d.message}`));
      expect(
        after.filter((d) => d.severity === "error" && !known.has(`${d.code} ${d.message}`)),
        `${key(h)}: new errors after "${h.actions[0]!.title}"`,
      ).toEqual([]);
    }
  });

  it("the advice hints name no edit and get no fix; each listed one is met", () => {
    for (const line of advice) {
      const met = hinted.filter((h) => key(h) === line);
      expect(met.length, `not met: ${line}`).toBeGreaterThan(0);
      for (const h of met) {
        expect(proposal(h.hint), line).toBeUndefined();
        expect(h.actions, line).toEqual([]);
      }
    }
  });

  it("the refused edits are proposed by their hint but not offered; each listed one is met", () => {
    for (const [line, reason] of Object.entries(refused)) {
      expect(reason).not.toBe("");
      const met = hinted.filter((h) => key(h) === line);
      expect(met.length, `not met: ${line}`).toBeGreaterThan(0);
      for (const h of met) {
        expect(proposal(h.hint), line).toBeDefined();
        expect(h.actions, line).toEqual([]);
      }
    }
  });
});
