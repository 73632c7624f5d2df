// The one catalogue of kefgen diagnostics: every code with its title, and every message a code is reported with.
// Codes are stable and banded by stage: KEF1xxx syntax, KEF2xxx semantics, KEF3xxx Avro, KEF4xxx output/IO.
// A code names a kind of problem and may be reported with several messages; a message belongs to one code and
// has one severity. Call sites pass only the arguments: `report(messages.unknownSetting, range, { name })`.

export type Severity = "error" | "warning";

/** Every diagnostic code and its title (docs/diagnostics.md is generated from this table). */
export const codes = {
  KEF1001: "unexpected character",
  KEF1002: "syntax error",
  KEF1003: "unterminated string",
  KEF1004: "unterminated block comment",
  KEF1005: "nesting too deep",
  KEF2001: "unknown message type",
  KEF2002: "unknown connection",
  KEF2003: "duplicate message",
  KEF2004: "duplicate topic",
  KEF2005: "duplicate connection",
  KEF2006: "unknown setting",
  KEF2007: "wrong value type",
  KEF2008: "setting not allowed here",
  KEF2009: "setting not supported by the connection's Kafka client",
  KEF2010: "duplicate setting",
  KEF2011: "value out of range",
  KEF2012: "missing group id",
  KEF2013: "group id used by two connections",
  KEF2014: "duplicate shared block",
  KEF2015: "handler name collision",
  KEF2016: "unused connection",
  KEF2017: "invalid name",
  KEF2018: "at-most-once delivery",
  KEF2019: "heartbeat interval close to the session timeout",
  KEF2020: "session timeout outside the broker's default bounds",
  KEF2021: "generated name collision",
  KEF2022: "reserved handler name",
  KEF2030: "unknown unit",
  KEF2031: "number not written in plain decimal",
  KEF2032: "unit apart from its number",
  KEF2033: "number that cannot be represented",
  KEF2034: "blank or invisible characters in a string setting",
  KEF2035: "Kafka-internal topic",
  KEF2036: "topic names that collide in Kafka's metric names",
  KEF2050: "unknown registry",
  KEF2051: "framed topic without a registry",
  KEF2052: "registry not chosen",
  KEF2053: "duplicate registry",
  KEF2054: "secret written in the .kef",
  KEF2055: "invalid registry setting",
  KEF2056: "registry setting without effect",
  KEF2057: "unused registry",
  KEF2070: "unknown topic clause",
  KEF2071: "duplicate topic clause",
  KEF2072: "key type shadows a message",
  KEF2080: "plan: rebalance timeout below the session timeout",
  KEF2081: "plan: rebalance timeout below the retry backoff",
  KEF2082: "plan: waiting for topics while reading from the latest offset",
  KEF2083: "plan: one group waits for topics of several",
  KEF2100: "a record that always fails stalls its partition",
  KEF2101: "decode errors skipped: poison records are lost",
  KEF2102: "onDecodeError = deadLetter without a dead-letter topic",
  KEF2103: "retry backoff above its maximum",
  KEF2104: "invalid dead-letter topic",
  KEF2140: "unknown topic config",
  KEF2141: "invalid topic config value",
  KEF2142: "not something a topic's { } says",
  KEF2143: "invalid partition count or replication factor",
  KEF2144: "said twice in a topic's { }",
  KEF3001: "invalid Avro schema",
  KEF3002: "schema file not found",
  KEF3003: "schema file is not valid JSON",
  KEF3004: "Avro name that would lose data",
  KEF3005: "type not found in schema file",
  KEF3006: "logical type ignored",
  KEF3007: "Avro schema too large",
  KEF3010: "writer schema the message cannot read",
  KEF3011: "writer schema not self-contained",
  KEF2090: "writers on a topic that is not single-object",
  KEF3015: "field added without a default (breaks BACKWARD)",
  KEF3016: "field removed that old readers need (breaks FORWARD)",
  KEF3017: "type changed incompatibly",
  KEF3018: "named type renamed without an alias",
  KEF3019: "fixed size changed",
  KEF3020: "enum symbol removed (breaks BACKWARD)",
  KEF3021: "enum symbol added without an enum default (breaks FORWARD)",
  KEF3022: "union branch removed (breaks BACKWARD)",
  KEF3023: "union branch added (breaks FORWARD)",
  KEF3037: "message type removed",
  KEF3038: "bare-Avro topic's schema changed",
  KEF3039: "namespace changed without an alias",
  KEF4001: "cannot read input",
  KEF4002: "cannot write output",
  KEF4003: "invalid project config",
  KEF4004: "file outside the project root",
  KEF4005: "not a regular file",
  KEF4006: "file too large",
  KEF4010: "would overwrite a file kefgen did not generate",
  KEF4011: "output left by an interrupted build",
  KEF4012: "another kefgen process is writing the output",
  KEF4020: "not in a git repository",
  KEF4021: "git ref not found",
  KEF4022: "old version cannot be checked",
  KEF4023: "git failed",
  KEF4030: "schema incompatible with the registry's latest version",
  KEF4031: "subject not registered",
  KEF4032: "registry unreachable",
  KEF4033: "registry refused the credentials",
  KEF4034: "registry answered with an error",
  KEF4035: "registry environment variable not set",
} as const;

export type DiagnosticCode = keyof typeof codes;

/** The names in a template's `{name}` placeholders; `{ ... }` with anything but a name inside is text. */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P extends `${string}${" " | "{" | "." | "\"" | "="}${string}` | ""
    ? Placeholders<`${P extends `${string}{${infer Inner}` ? `{${Inner}` : ""}${Rest}`>
    : P | Placeholders<Rest>
  : never;

/** One catalogue entry: the code, its severity and the message (and optional hint) with `{name}` placeholders. */
export interface MessageDef<T extends string = string, H extends string = string> {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly text: T;
  readonly hint?: H;
}

/** The arguments an entry's placeholders need, each a string or a number. */
export type MessageArgs<M extends MessageDef> =
  M extends MessageDef<infer T, infer H> ? { readonly [K in Placeholders<T> | Placeholders<H>]: string | number } : never;

function error<const T extends string, const H extends string = never>(code: DiagnosticCode, text: T, hint?: H): MessageDef<T, H> {
  return hint === undefined ? { code, severity: "error", text } : { code, severity: "error", text, hint };
}

function warning<const T extends string, const H extends string = never>(code: DiagnosticCode, text: T, hint?: H): MessageDef<T, H> {
  return hint === undefined ? { code, severity: "warning", text } : { code, severity: "warning", text, hint };
}

/**
 * Every message kefgen reports, grouped by the stage that reports it. A message's text is a template; what varies
 * comes in as `{name}` arguments, already quoted where the message shows a quoted value. A hint here is the
 * message's fixed hint; a computed one (did you mean ...?) is passed where the diagnostic is made.
 */
export const messages = {
  // -------------------------------------------------------------------------------------------
  // Syntax (grammar/, generator/parse.ts)

  // -------------------------------------------------------------------------------------------
  // Declarations, names and topics (check.ts and the stages around it, names.ts, topic clauses, producers)

  // -------------------------------------------------------------------------------------------
  // Settings (check-settings.ts, check-literals.ts, settings.ts)

  unknownSetting: error("KEF2006", 'unknown setting "{name}"'),

  // -------------------------------------------------------------------------------------------
  // Registries and record formats (registries.ts, registry-check.ts)

  // -------------------------------------------------------------------------------------------
  // Avro schemas and their evolution (avro*.ts, compat.ts, against.ts, writers.ts, schema-limits.ts)

  // -------------------------------------------------------------------------------------------
  // Emitting a build's output (emit*.ts, program.ts build())

  cannotWriteOutput: error("KEF4002", 'cannot write to "{dir}": {reason}'),

  // -------------------------------------------------------------------------------------------
  // Output, files and commands (write.ts, files.ts, config.ts, fmt.ts, graph.ts, cli/)

} as const satisfies Record<string, MessageDef>;
