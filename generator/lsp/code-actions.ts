// Quick fixes from diagnostics' hints. A hint that names an edit — "did you mean "x"?", "write name = value",
// "use name = value", "add deadLetter = default", "write 30s", "name it: topic "t" as someName", "choose another
// name, e.g. "X"", "remove it", "declare it: connection ..." — is turned into that edit, and the edit is offered only
// when the project, checked again with it applied, no longer reports the diagnostic and reports no new error. A hint
// that gives advice without an edit ("a third of the session timeout or less is usual") offers nothing. On a schema
// file a project reads (its diagnostics are shown on it), only the replacements have a place.
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type TextEdit,
} from "vscode-languageserver/node";
import type { Declaration, Range, Setting, SettingsBlock } from "../../grammar/ast.js";
import { analyse } from "../program.js";
import { uriOf, type DocumentContext } from "./protocol.js";
import { contains, declarationAt, symbolAt } from "./symbols.js";

/** The edit a hint proposes, before it is placed in a text. */
export type Proposal =
  /** Replace the diagnosed text (a quoted string keeps its quotes when `quoted`). */
  | { readonly kind: "replace"; readonly text: string; readonly quoted: boolean }
  /** Give setting `name` (`it`: the diagnosed one) the value `value`, in the block the diagnostic is in. */
  | { readonly kind: "setting"; readonly name: string; readonly value: string }
  /** Remove the diagnosed setting (`name`: or the one of that name in the diagnosed declaration). */
  | { readonly kind: "remove"; readonly name: string }
  /** Name the diagnosed topic: `as alias`. */
  | { readonly kind: "alias"; readonly alias: string }
  /** Rename the diagnosed name, and every use of it. */
  | { readonly kind: "rename"; readonly name: string }
  /** Add a declaration at the end of the file. */
  | { readonly kind: "declare"; readonly text: string };

const NAME = "[A-Za-z_][A-Za-z0-9_]*";
/** A value as a hint writes it: a string, a call such as `header("$type")` or `basic(env("U"), env("P"))`, a word, a number with its unit. */
const VALUE = '"(?:[^"\\\\]|\\\\.)*"|[A-Za-z0-9_.$-]+(?:\\((?:[^()]|\\([^()]*\\))*\\))?';

/** The edit `hint` proposes (its first alternative), or undefined when it gives advice only. */
export function proposal(hint: string): Proposal | undefined {
  let m = /did you mean "([^"]+)"\?/.exec(hint);
  if (m) return { kind: "replace", text: m[1]!, quoted: true };
  m = /did you mean (\S+?)\?/.exec(hint);
  if (m) return { kind: "replace", text: m[1]!, quoted: false };
  m = new RegExp(`^name (?:it|one of them|the topic's handler with \`as\`): topic .* as (${NAME}) :`).exec(hint);
  if (m) return { kind: "alias", alias: m[1]! };
  m = new RegExp(`^choose another name, e\\.g\\. "(${NAME})"`).exec(hint);
  if (m) return { kind: "rename", name: m[1]! };
  m = /^(?:declare (?:it|one)|add): ((?:message|connection|registry|topic|shared)\b.*)$/.exec(hint);
  if (m) return { kind: "declare", text: m[1]! };
  m = new RegExp(`^(?:remove (${NAME}|it))(?:,|$)`).exec(hint);
  if (m) return { kind: "remove", name: m[1]! };
  m = new RegExp(`\\b(?:write|use|add:?|set|choose)\\b[^=;]*?\\b(${NAME}) = (${VALUE})`).exec(hint);
  if (m) return { kind: "setting", name: m[1]!, value: m[2]! };
  m = new RegExp(`^leave (it|${NAME}) (${VALUE}) \\(the default\\)`).exec(hint);
  if (m) return { kind: "setting", name: m[1]!, value: m[2]! };
  m = /(?:^|: )write ([A-Za-z_]\w*\("[^"]*"\)|[^\s,;]+)(?=$| if you mean| and set)/.exec(hint);
  if (m) return { kind: "replace", text: m[1]!, quoted: false };
  return undefined;
}

/** The verified quick fixes of the diagnostics of a document (those with a hint that names an edit). */
export function quickFixes(ctx: DocumentContext, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const doc = TextDocument.create("", "kef", 0, ctx.text);
  return diagnostics.flatMap((d) => {
    const hint = (d.data as { hint?: string } | undefined)?.hint;
    const p = hint === undefined ? undefined : proposal(hint);
    if (hint === undefined || !p) return [];
    const placed = place(ctx, p, { start: doc.offsetAt(d.range.start), end: doc.offsetAt(d.range.end) });
    if (!placed || !fixes(ctx, placed.edits, d, hint)) return [];
    return [quickFix(ctx, doc, d, placed)];
  });
}

/**
 * The verified quick fixes of the diagnostics of a schema file (an .avsc a project reads): only a replacement of the
 * diagnosed text ("did you mean", "write 0") has a place in it, the other edits being .kef declarations and settings.
 */
export function schemaFileQuickFixes(ctx: EditContext, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const doc = TextDocument.create("", "json", 0, ctx.text);
  return diagnostics.flatMap((d) => {
    const hint = (d.data as { hint?: string } | undefined)?.hint;
    const p = hint === undefined ? undefined : proposal(hint);
    if (hint === undefined || p?.kind !== "replace") return [];
    const placed = replacement(ctx, p, { start: doc.offsetAt(d.range.start), end: doc.offsetAt(d.range.end) });
    if (!placed || !fixes(ctx, placed.edits, d, hint)) return [];
    return [quickFix(ctx, doc, d, placed)];
  });
}

/** What an edit is made in: a file of a project, its text as the editor has it, and how the project reads files. */
type EditContext = Pick<DocumentContext, "file" | "text" | "project" | "read">;

/** The code action of placed edits (in the document `doc` of `ctx.file`, or in other files of the project). */
function quickFix(
  ctx: EditContext,
  doc: TextDocument,
  d: LspDiagnostic,
  placed: { title: string; edits: OffsetEdit[] },
): CodeAction {
  const changes: Record<string, TextEdit[]> = {};
  for (const e of placed.edits) {
    const target = e.file === ctx.file ? doc : TextDocument.create("", "kef", 0, textOf(ctx, e.file) ?? "");
    (changes[uriOf(e.file)] ??= []).push({
      range: { start: target.positionAt(e.start), end: target.positionAt(e.end) },
      newText: e.text,
    });
  }
  return { title: placed.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes } };
}

/** One edit by offsets in a file. */
interface OffsetEdit {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The proposal's edits in the document, and their title, for a diagnostic spanning `at`; undefined if it has no place. */
function place(
  ctx: DocumentContext,
  p: Proposal,
  at: { start: number; end: number },
): { title: string; edits: OffsetEdit[] } | undefined {
  const file = ctx.file;
  const declaration = declarationAt(ctx.ast, at.start);
  const titled = (title: string, edits: OffsetEdit[] | undefined) => (edits ? { title, edits } : undefined);
  switch (p.kind) {
    case "replace":
      return replacement(ctx, p, at);
    case "rename": {
      const symbol = symbolAt(ctx, at.start);
      if (!symbol) return undefined;
      const edits = symbol.all.map((o) => ({
        file: o.file,
        start: o.range.start.offset,
        end: o.range.end.offset,
        text: p.name,
      }));
      return titled(`Rename ${symbol.occurrence.name} to ${p.name}`, edits);
    }
    case "alias": {
      if (declaration?.$type !== "Topic") return undefined;
      const { alias, topic } = declaration;
      const edit = alias
        ? { file, start: alias.range.start.offset, end: alias.range.end.offset, text: p.alias }
        : { file, start: topic.range.end.offset, end: topic.range.end.offset, text: ` as ${p.alias}` };
      return titled(`Name the topic: as ${p.alias}`, [edit]);
    }
    case "declare": {
      const shared = /^shared \{ (.*) \}$/.exec(p.text);
      const existing = ctx.ast.declarations.find((d) => d.$type === "Shared");
      if (shared && existing?.$type === "Shared") {
        const assignment = new RegExp(`^(${NAME}) = (${VALUE})$`).exec(shared[1]!);
        return assignment
          ? titled(`Add ${shared[1]}`, setIn(ctx, existing.settings, assignment[1]!, assignment[2]!))
          : undefined;
      }
      const end = ctx.text.length;
      const text = `${ctx.text.endsWith("\n") || end === 0 ? "" : "\n"}${p.text}\n`;
      return titled(`Declare ${p.text}`, [{ file, start: end, end, text }]);
    }
    case "remove": {
      if (!declaration) return undefined;
      const setting = allSettings(declaration).find((s) =>
        p.name === "it" ? contains(s.range, at.start) : s.name.text === p.name,
      );
      return setting ? titled(`Remove ${setting.name.text}`, [removal(ctx.text, file, setting.range)]) : undefined;
    }
    case "setting": {
      if (!declaration || declaration.$type === "Message") return undefined;
      const settings = allSettings(declaration);
      const diagnosed = settings.find((s) => contains(s.range, at.start));
      const name = p.name === "it" ? diagnosed?.name.text : p.name;
      if (!name) return undefined;
      const title = `Set ${name} = ${p.value}`;
      // The block the diagnostic is in (a topic's consumer block when it is on the topic itself); a topic's own
      // settings (`route`) are in no block.
      const block = diagnosed
        ? blockOf(declaration, diagnosed)
        : declaration.$type === "Topic"
          ? declaration.consumer?.settings
          : declaration.settings;
      const written = settings.find((s) => s.name.text === name && blockOf(declaration, s) === block);
      if (written?.value) {
        const { start, end } = written.value.range;
        return titled(title, [{ file, start: start.offset, end: end.offset, text: p.value }]);
      }
      if (block) return titled(title, setIn(ctx, block, name, p.value));
      return declaration.$type === "Topic"
        ? titled(title, consumerBlockFor(ctx, declaration, `${name} = ${p.value}`))
        : undefined;
    }
  }
}

/** The diagnosed text replaced (a quoted string by a quoted string); undefined when it already says that. */
function replacement(
  ctx: EditContext,
  p: Proposal & { kind: "replace" },
  at: { start: number; end: number },
): { title: string; edits: OffsetEdit[] } | undefined {
  const written = ctx.text.slice(at.start, at.end);
  const text = p.quoted && written.startsWith('"') ? JSON.stringify(p.text) : p.text;
  return written === text ? undefined : { title: `Change to ${text}`, edits: [{ file: ctx.file, ...at, text }] };
}

/** Every setting written in a declaration: its blocks' and, in a topic's { }, the topic's own (`route`, `partitions`). */
function allSettings(d: Declaration): Setting[] {
  if (d.$type === "Message") return [];
  if (d.$type !== "Topic") return [...(d.settings?.settings ?? [])];
  return [
    ...(d.consumer?.settings?.settings ?? []),
    ...(d.producer?.settings?.settings ?? []),
    ...d.body.filter((b): b is Setting => b.$type === "Setting"),
  ];
}

/** The settings block of a declaration a setting is written in (undefined: a topic's own body). */
function blockOf(d: Declaration, s: Setting | undefined): SettingsBlock | undefined {
  if (!s || d.$type === "Message") return undefined;
  if (d.$type !== "Topic") return d.settings;
  return [d.consumer?.settings, d.producer?.settings].find((b) => b?.settings.includes(s));
}

/** `name = value` added at the end of a settings block, on a line of its own when the block spans lines. */
function setIn(
  ctx: DocumentContext,
  block: SettingsBlock | undefined,
  name: string,
  value: string,
): OffsetEdit[] | undefined {
  if (!block) return undefined;
  const last = block.settings.at(-1);
  const assignment = `${name} = ${value}`;
  if (last && block.range.end.line > last.range.end.line) {
    const indent = " ".repeat(last.range.start.column - 1);
    const at = last.range.end.offset;
    return [{ file: ctx.file, start: at, end: at, text: `\n${indent}${assignment}` }];
  }
  if (last)
    return [{ file: ctx.file, start: last.range.end.offset, end: last.range.end.offset, text: ` ${assignment}` }];
  // An empty block: after its `{`.
  const open = ctx.text.indexOf("{", block.range.start.offset);
  if (open < 0 || open >= block.range.end.offset) return undefined;
  return [{ file: ctx.file, start: open + 1, end: open + 1, text: ` ${assignment} ` }];
}

/** A consumer settings block holding `assignment` for a topic that has none. */
function consumerBlockFor(
  ctx: DocumentContext,
  d: Declaration & { $type: "Topic" },
  assignment: string,
): OffsetEdit[] | undefined {
  const file = ctx.file;
  if (d.consumer) {
    const end = d.consumer.range.end.offset;
    return [{ file, start: end, end, text: ` { ${assignment} }` }];
  }
  const closing = d.range.end.offset - 1;
  if (d.body.length > 0 || ctx.text[closing] === "}")
    return ctx.text[closing] === "}"
      ? [{ file, start: closing, end: closing, text: `consumer { ${assignment} } ` }]
      : undefined;
  return [{ file, start: d.range.end.offset, end: d.range.end.offset, text: ` { consumer { ${assignment} } }` }];
}

/** Removes a setting and the blanks before it (its whole line when it stands alone on one). */
function removal(text: string, file: string, r: Range): OffsetEdit {
  let start = r.start.offset;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  if (text[start - 1] === "\n" && (text[r.end.offset] === "\n" || text[r.end.offset] === "\r")) start--;
  return { file, start, end: r.end.offset, text: "" };
}

/** Whether the edits, applied, make the project stop reporting `d` without reporting a new error. */
function fixes(ctx: EditContext, edits: readonly OffsetEdit[], d: LspDiagnostic, hint: string): boolean {
  const options = ctx.project.options;
  if (!options) return false;
  const edited = new Map<string, string>();
  for (const file of new Set(edits.map((e) => e.file))) {
    const text = textOf(ctx, file);
    if (text === undefined) return false;
    edited.set(
      file,
      apply(
        text,
        edits.filter((e) => e.file === file),
      ),
    );
  }
  const before = ctx.project.analysis?.diagnostics ?? analyse({ ...options, readFile: ctx.read }).diagnostics;
  const after = analyse({
    ...options,
    readFile: (p, access) => {
      const text = edited.get(p);
      return text !== undefined ? { text } : ctx.read(p, access);
    },
  }).diagnostics;
  const message = (typeof d.message === "string" ? d.message : d.message.value).split("\nhint: ")[0];
  // The same diagnostic with another hint (KEF2101 says the same of a topic with a dead-letter topic) is progress.
  if (after.some((a) => a.code === d.code && a.message === message && a.hint === hint)) return false;
  const errors = (ds: typeof after) =>
    new Set(ds.filter((x) => x.severity === "error").map((x) => `${x.code} ${x.message}`));
  const old = errors(before);
  return [...errors(after)].every((e) => old.has(e));
}

function textOf(ctx: EditContext, file: string): string | undefined {
  if (file === ctx.file) return ctx.text;
  const read = ctx.read(file);
  return "text" in read ? read.text : undefined;
}

function apply(text: string, edits: readonly OffsetEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
