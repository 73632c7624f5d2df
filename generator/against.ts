// `--against <git-ref>`: the project as it is now, compared with the project at a git ref. For every message type
// in both, can the new schema read data written with the old one (BACKWARD), and the old schema data written with
// the new one (FORWARD)? Each break is a diagnostic at the schema node concerned (see compat.ts for the rules).
//
// The old version is read from git (`git show <commit>:<path>`, paths relative to the repository's top level) —
// the same .kef files as now, and the schema files they referenced then — and checked like the current one.
// A message type that is new is not a break; one that is gone is a warning (nothing checks what its producers
// still write). A topic whose message type changed is checked old type against new; on a topic of several types,
// each member against the old member of the same Avro record. A bare-Avro topic whose types changed at all is warned
// about, every member of it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { KefFile } from "../grammar/ast.js";
import { codecSchema } from "./avro-codec-schema.js";
import { avroCodecModule } from "./avro-runtime.js";
import type { AvroNamed, AvroType } from "./avro-types.js";
import type { CheckHost } from "./check.js";
import type { ParsedFile } from "./load.js";
// A cycle with program.ts, harmless: only functions cross it, and only once checking runs.
import { checkFiles } from "./program.js";
import { compare, namedAliases, type Incompatibility, type SchemaLocation, type SchemaSide } from "./compat.js";
import { messages, notes, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, related, startOfFile, type Diagnostic } from "./diagnostics.js";
import type { MessageModel, Model, TopicModel } from "./model.js";
import { parse } from "./parse.js";

type Declaration = KefFile["declarations"][number];

/** Which direction a break is in: new reads old (BACKWARD), old reads new (FORWARD). */
type Direction = "BACKWARD" | "FORWARD";

/** What `--against` needs from the current check. */
export interface AgainstInput {
  /** The git ref given by the user (`HEAD`, `main`, `v1.2.0`, a commit). */
  readonly ref: string;
  /** The current model (only checked when the project has no errors). */
  readonly model: Model;
  /** The project's .kef files as parsed now. */
  readonly parsed: readonly ParsedFile[];
  /** How a path is shown in diagnostics. */
  readonly displayPath: (absolutePath: string) => string;
  /** Base of the generated API names, as for the current check. */
  readonly name?: string;
}

/** The evolution diagnostics, and the old versions' texts (for code frames), by displayed name. */
export interface AgainstResult {
  readonly diagnostics: Diagnostic[];
  readonly sources: Map<string, string>;
}

/**
 * Whether a topic's records are bare Avro binary, written with a schema the reader cannot know: Confluent framing and
 * single-object encoding name the writer schema of each record.
 */
function isBareAvro(topic: TopicModel): boolean {
  return topic.format === undefined;
}

/** The message types a topic carries: a multi-type topic's members, else its one message type. */
function messagesOf(topic: TopicModel): readonly MessageModel[] {
  return topic.members?.map((m) => m.message) ?? [topic.message];
}

/** The full name of the Avro record a message type is, if it is one (a multi-type topic's route names records so). */
function recordName(message: MessageModel): string | undefined {
  const root = message.schema.root;
  return root.kind === "record" || root.kind === "ref" ? root.fullName : undefined;
}

/**
 * The message type of `before` (the topic at the ref) whose old records `message` of `now` reads: on a topic of one
 * type then and now, the old one, whatever its name; on a topic of several types, the old one of the same Avro record
 * (the route tells records apart by its full name, whatever the order or the names in the .kef).
 */
function oldCounterpart(before: TopicModel, now: TopicModel, message: MessageModel): MessageModel | undefined {
  if (!before.members && !now.members) return before.message;
  const name = recordName(message);
  return name === undefined ? undefined : messagesOf(before).find((o) => recordName(o) === name);
}

class GitError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
  ) {
    super(message);
  }
}

/** Runs git without a shell; returns stdout, or throws a GitError with git's own message. */
function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (e.code === "ENOENT") throw new GitError("git is not installed (or not on PATH)", false);
    const said = (e.stderr ?? "").trim().split("\n")[0] ?? "";
    throw new GitError(said || e.message, e.status === 128 || e.status === 1);
  }
}

/** An absolute path as git names it: relative to the repository's top level, with symlinked directories resolved. */
function repoPath(root: string, absolute: string): string | undefined {
  let existing = absolute;
  const rest: string[] = [];
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = path.join(fs.realpathSync(existing), ...rest);
  const rel = path.relative(root, real);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join("/");
}

/** Compares the project with its version at `input.ref`. */
export function checkAgainst(input: AgainstInput): AgainstResult {
  const { ref, model } = input;
  const files = input.parsed.map((p) => p.source.absolutePath);
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const firstFile = input.parsed[0]!.source.file;
  const problem = <M extends MessageDef>(entry: M, args: MessageArgs<M>): AgainstResult => {
    diagnostics.push(diagnostic(entry, args, { file: firstFile, range: startOfFile }));
    return { diagnostics, sources };
  };

  let root: string;
  try {
    root = fs.realpathSync(git(path.dirname(files[0]!), ["rev-parse", "--show-toplevel"]).trim());
  } catch (error) {
    if (error instanceof GitError && error.notFound) return problem(messages.againstNotInGit, { ref, file: firstFile });
    return problem(messages.againstGitFailed, { ref, reason: (error as Error).message });
  }
  let commit: string;
  try {
    if (ref.startsWith("-")) throw new GitError(`not a ref: ${ref}`, true);
    commit = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
  } catch (error) {
    if (error instanceof GitError && error.notFound) return problem(messages.againstRefNotFound, { ref });
    return problem(messages.againstGitFailed, { ref, reason: (error as Error).message });
  }

  /** The first git failure while reading the old version (the checker turns a failed read into "cannot read"). */
  let gitFailure: string | undefined;
  /** The text of a file at the commit, or undefined when it was not a file there. */
  const readOld = (absolute: string): string | undefined => {
    const rel = repoPath(root, absolute);
    if (rel === undefined) return undefined;
    try {
      // "<mode> <type> <object>\t<path>", or nothing when there is no such path at the commit.
      const entry = git(root, ["ls-tree", "-z", commit, "--", rel]);
      if (!/^\d+ blob /.test(entry)) return undefined;
      return git(root, ["show", `${commit}:${rel}`]);
    } catch (error) {
      gitFailure ??= (error as Error).message;
      throw error;
    }
  };
  const gitFailed = () => problem(messages.againstGitFailed, { ref, reason: String(gitFailure) });
  const oldLabel = (absolute: string) => `${ref}:${input.displayPath(absolute)}`;

  // The old project: the same .kef files, as they were (a file that did not exist holds only new messages).
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    let text: string | undefined;
    try {
      text = readOld(file);
    } catch {
      return gitFailed();
    }
    if (text === undefined) continue;
    const source = { file: oldLabel(file), absolutePath: file, text };
    sources.set(source.file, text);
    const result = parse(source);
    if (result.diagnostics.length > 0) return problem(messages.againstOldSyntaxErrors, { ref, file: source.file });
    parsed.push({ ast: result.value, source });
  }
  if (parsed.length === 0) return { diagnostics, sources };
  const host: CheckHost = { readFile: readOld, displayPath: oldLabel };
  const old = checkFiles(parsed, host, input.name === undefined ? {} : { name: input.name });
  for (const [file, text] of old.sources) sources.set(file, text);
  if (gitFailure !== undefined) return gitFailed();
  if (!old.value) {
    const first = old.diagnostics.find((d) => d.severity === "error");
    return problem(messages.againstOldHasErrors, {
      ref,
      first: `${first?.file}:${first?.range.start.line}:${first?.range.start.column} ${first?.code} ${first?.message}`,
    });
  }
  const oldModel = old.value;

  const sideOf = (m: Model, message: MessageModel): SchemaSide => {
    const byName = new Map<string, AvroNamed>(m.namedTypes.map((t) => [t.fullName, t]));
    return {
      root: message.schema.root,
      lookup: (n) => byName.get(n),
      name: message.name,
      at: { file: message.schema.file, range: message.schema.range },
    };
  };
  const pairs: { oldMessage: MessageModel; newMessage: MessageModel }[] = [];
  for (const m of model.messages) {
    const before = oldModel.messages.find((o) => o.name === m.name);
    if (before) pairs.push({ oldMessage: before, newMessage: m });
  }
  // A topic that now carries another message type: its old records are the old type's.
  for (const t of model.topics) {
    const before = oldModel.topics.find((o) => o.topic === t.topic);
    if (!before) continue;
    for (const m of messagesOf(t)) {
      const old = oldCounterpart(before, t, m);
      if (old && old.name !== m.name && !pairs.some((p) => p.oldMessage === old && p.newMessage === m))
        pairs.push({ oldMessage: old, newMessage: m });
    }
  }
  for (const { oldMessage, newMessage } of pairs) {
    // Paths start with the message's current name, whichever side reads.
    const oldSide = { ...sideOf(oldModel, oldMessage), name: newMessage.name };
    const newSide = sideOf(model, newMessage);
    const what =
      oldMessage.name === newMessage.name
        ? `"${newMessage.name}"`
        : `"${newMessage.name}" (was "${oldMessage.name}" on the same topic)`;
    for (const i of compare(newSide, oldSide)) diagnostics.push(breakDiagnostic(i, "BACKWARD", ref, what));
    for (const i of compare(oldSide, newSide)) diagnostics.push(breakDiagnostic(i, "FORWARD", ref, what));
    diagnostics.push(...namespaceWarnings(newSide, oldSide, ref));
  }

  // Messages that are gone.
  for (const o of oldModel.messages) {
    if (model.messages.some((m) => m.name === o.name)) continue;
    const declared = declaration(parsed, (d) => d.$type === "Message" && d.name.text === o.name);
    diagnostics.push(
      diagnostic(
        messages.messageRemoved,
        { name: o.name, ref },
        {
          file: declared?.file ?? firstFile,
          range: declared && declared.decl.$type === "Message" ? declared.decl.name.range : o.range,
        },
      ),
    );
  }

  // Bare Avro: a changed schema cannot be detected when records are read.
  const canonical = (m: Model, message: MessageModel): string =>
    JSON.stringify(
      avroCodecModule()
        .avroType(codecSchema(message.schema, (n) => m.namedTypes.find((t) => t.fullName === n)))
        .schema(),
    );
  for (const t of model.topics) {
    if (!isBareAvro(t)) continue;
    const topicBefore = oldModel.topics.find((o) => o.topic === t.topic);
    const found = declaration(input.parsed, (d) => d.$type === "Topic" && d.topic.value === t.topic);
    const topicDecl = found?.decl.$type === "Topic" ? found.decl : undefined;
    // Every type the topic carries: one whose schema changed is read from old records by the new schema.
    for (const [i, m] of messagesOf(t).entries()) {
      const before =
        (topicBefore && oldCounterpart(topicBefore, t, m)) ?? oldModel.messages.find((o) => o.name === m.name);
      if (!before || canonical(oldModel, before) === canonical(model, m)) continue;
      // On a topic of several types, at the member's name in the topic's type list.
      const member = t.members ? [topicDecl?.message, ...(topicDecl?.members ?? [])][i] : undefined;
      diagnostics.push(
        diagnostic(
          messages.bareAvroSchemaChanged,
          { topic: t.topic, message: m.name, ref },
          { file: found?.file ?? firstFile, range: member?.range ?? topicDecl?.topic.range ?? t.range },
        ),
      );
    }
  }
  return { diagnostics, sources };
}

/** The first declaration that `test` picks, and the file it is in. */
function declaration(
  files: readonly ParsedFile[],
  test: (d: Declaration) => boolean,
): { decl: Declaration; file: string } | undefined {
  for (const f of files) {
    const decl = f.ast.declarations.find(test);
    if (decl) return { decl, file: f.source.file };
  }
  return undefined;
}

function breakDiagnostic(i: Incompatibility, direction: Direction, ref: string, what: string): Diagnostic {
  // BACKWARD: the new schema reads; FORWARD: the new schema writes. Diagnostics point into the new schema.
  const here = direction === "BACKWARD" ? i.reader : i.writer;
  const there = direction === "BACKWARD" ? i.writer : i.reader;
  const place = {
    ...(here ?? fallback(i)),
    related: there ? [related(notes.asItIsInRef, { ref }, there)] : undefined,
  };
  const backward = direction === "BACKWARD";
  const base = { path: i.path, what, ref };
  const change = oldNew(i.reason, direction);
  switch (i.kind) {
    case "missing-default":
      return diagnostic(
        backward ? messages.fieldAddedWithoutDefault : messages.fieldRemovedWithoutDefault,
        { ...base, field: i.field! },
        place,
      );
    case "enum-symbols": {
      const symbols = { ...base, symbols: quoted(i.symbols!), symbolWord: plural(i.symbols!.length, "symbol") };
      return diagnostic(backward ? messages.enumSymbolsRemoved : messages.enumSymbolsAdded, symbols, place);
    }
    case "union-branch":
      return diagnostic(backward ? messages.unionBranchRemoved : messages.unionBranchAdded, { ...base, change }, place);
    case "type":
      return diagnostic(
        backward ? messages.typeChangedBackward : messages.typeChangedForward,
        { ...base, change },
        place,
      );
    case "name":
      return diagnostic(backward ? messages.renamedBackward : messages.renamedForward, { ...base, change }, place);
    case "fixed-size":
      return diagnostic(
        backward ? messages.fixedSizeChangedBackward : messages.fixedSizeChangedForward,
        { ...base, change },
        place,
      );
  }
}

function fallback(i: Incompatibility): SchemaLocation {
  return i.reader ?? i.writer ?? { file: "", range: startOfFile };
}

/** compat.ts speaks of reader and writer; here they are the old and the new schema. */
function oldNew(reason: string, direction: Direction): string {
  const [reader, writer] = direction === "BACKWARD" ? ["new", "old"] : ["old", "new"];
  return reason
    .replace(/\bthe reader's\b/g, `the ${reader}`)
    .replace(/\bthe writer's\b/g, `the ${writer}`)
    .replace(/\breader\b/g, reader)
    .replace(/\bwriter\b/g, writer);
}

/**
 * A named type moved to another namespace (same simple name, no alias): Avro's rules match it, and so does the
 * runtime (`readerOf` in runtime/writer-resolver.ts) — unless two named types of the new schema share a simple name: then
 * the runtime matches full names and aliases only (so a union of `a.X` and `b.X` never takes one for the other), and
 * records written with the old name would not decode.
 */
function namespaceWarnings(newSide: SchemaSide, oldSide: SchemaSide, ref: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const visit = (n: AvroNamed | undefined, o: AvroNamed | undefined, depth: number): void => {
    if (!n || !o || depth > 64) return;
    const key = `${n.fullName}\u0000${o.fullName}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (
      clash !== undefined &&
      n.name === o.name &&
      n.fullName !== o.fullName &&
      !namedAliases(n).includes(o.fullName)
    ) {
      const args = { kind: n.kind, old: o.fullName, new: n.fullName, ref, clash, oldJson: JSON.stringify(o.fullName) };
      out.push(
        diagnostic(messages.namespaceMoved, args, {
          file: n.file,
          range: n.range,
          related: [related(notes.asItIsInRef, { ref }, o)],
        }),
      );
    }
    if (n.kind === "record" && o.kind === "record") {
      for (const f of n.fields) {
        const of = o.fields.find((x) => x.name === f.name);
        if (of) visitTypes(f.type, of.type, depth + 1);
      }
    }
  };
  const named = (t: AvroType, side: SchemaSide): AvroNamed[] => {
    const d = t.kind === "ref" ? side.lookup(t.fullName) : t;
    if (!d) return [];
    if (d.kind === "record" || d.kind === "enum" || d.kind === "fixed") return [d];
    if (d.kind === "array") return named(d.items, side);
    if (d.kind === "map") return named(d.values, side);
    if (d.kind === "union") return d.branches.flatMap((b) => named(b, side));
    return [];
  };
  const visitTypes = (n: AvroType, o: AvroType, depth: number): void => {
    const olds = named(o, oldSide);
    for (const nt of named(n, newSide))
      visit(
        nt,
        olds.find((ot) => ot.kind === nt.kind && ot.name === nt.name),
        depth,
      );
  };
  const clash = simpleNameClash(newSide, named);
  visitTypes(newSide.root, oldSide.root, 0);
  return out;
}

/** Two named types of `side` that share a simple name, as `"a.X" and "b.X"`; undefined when there are none. */
function simpleNameClash(side: SchemaSide, named: (t: AvroType, side: SchemaSide) => AvroNamed[]): string | undefined {
  const byName = new Map<string, string>();
  const seen = new Set<string>();
  const pending = named(side.root, side);
  for (let d = pending.shift(); d !== undefined; d = pending.shift()) {
    if (seen.has(d.fullName)) continue;
    seen.add(d.fullName);
    const other = byName.get(d.name);
    if (other !== undefined) return `${JSON.stringify(other)} and ${JSON.stringify(d.fullName)}`;
    byName.set(d.name, d.fullName);
    if (d.kind === "record") for (const f of d.fields) pending.push(...named(f.type, side));
  }
  return undefined;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function quoted(symbols: readonly string[]): string {
  return symbols.map((s) => JSON.stringify(s)).join(", ");
}
