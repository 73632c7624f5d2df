// `kefgen lsp`: the language server, over stdio. Diagnostics come from program.ts `analyse()` (with the open
// documents in memory), so they are those of `kefgen check`; the other requests read the parsed AST and the model.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  DocumentSymbol,
  FoldingRangeKind,
  MarkupKind,
  ProposedFeatures,
  SymbolKind as LspSymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type Location,
  type Range as LspRange,
  type TextEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  settingValueText,
  type Declaration,
  type KefFile,
  type Range,
  type Setting,
  type SettingValue,
} from "../../grammar/ast.js";
import type { AvroType } from "../avro-types.js";
import type { Diagnostic } from "../diagnostics.js";
import { deriveLookups } from "../emit-lookups.js";
import { typeExpression } from "../emit-messages.js";
import { formatKef } from "../fmt.js";
import type { Model } from "../model.js";
import { describeType, settingsByName, settingsCatalogue, units, type SettingInfo } from "../settings.js";
import { contains, declarationAt, occurrences, settingAt, type Occurrence } from "./symbols.js";
import { topicBlockAt, topicBodyHover, topicBodyItems, topicConfigCompletion } from "./topic-body.js";
import { Workspace, type LspProject } from "./workspace.js";

/** How long after the last change diagnostics are computed (ms): a burst of keystrokes is analysed once. */
const debounceMs = 15;

const keywords = [
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
  "registry",
  "true",
  "false",
];

function toLspRange(r: Range): LspRange {
  return {
    start: { line: r.start.line - 1, character: r.start.column - 1 },
    end: { line: r.end.line - 1, character: r.end.column - 1 },
  };
}

const uriOf = (file: string): string => pathToFileURL(file).href;
const fileOf = (uri: string): string | undefined =>
  uri.startsWith("file:") ? path.resolve(fileURLToPath(uri)) : undefined;

function toLspDiagnostic(d: Diagnostic, base: string): LspDiagnostic {
  return {
    range: toLspRange(d.range),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "kefgen",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(d.hint ? { data: { hint: d.hint } } : {}),
    ...(d.related?.length
      ? {
          relatedInformation: d.related.map((r) => ({
            message: r.message,
            location: { uri: uriOf(path.resolve(base, r.file)), range: toLspRange(r.range) },
          })),
        }
      : {}),
  };
}

function valueText(v: SettingValue | undefined): string {
  return v ? settingValueText(v) : "";
}

function settingDoc(info: SettingInfo): string {
  const lines = [`**${info.name}**: ${info.meaning}`, "", `Value: ${describeType(info.type)}.`];
  lines.push(`Default: ${info.default === undefined ? "none" : `\`${String(info.default)}\``}.`);
  lines.push(
    `Scope: ${info.scope === "buffer" ? "a connection, or a topic" : info.scope === "producer" ? "the shared block, or a topic's producer block" : "a connection"}${info.inherited ? " (inherited from the shared block)" : ""}.`,
  );
  lines.push(`Honoured by: ${info.honouredBy}.`);
  return lines.join("\n");
}

/** The server's state and request handlers; `connection` is stdio for `kefgen lsp`. */
class KefLanguageServer {
  readonly documents = new TextDocuments(TextDocument);
  workspace = new Workspace([]);
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly connection: Connection) {
    connection.onInitialize((params) => {
      const folders = (params.workspaceFolders ?? [])
        .map((f) => fileOf(f.uri))
        .filter((f): f is string => f !== undefined);
      if (folders.length === 0 && params.rootUri) {
        const root = fileOf(params.rootUri);
        if (root) folders.push(root);
      }
      this.workspace = new Workspace(folders);
      return {
        capabilities: {
          textDocumentSync: TextDocumentSyncKind.Incremental,
          completionProvider: { triggerCharacters: [" ", "=", ":"] },
          hoverProvider: true,
          definitionProvider: true,
          referencesProvider: true,
          renameProvider: { prepareProvider: true },
          documentSymbolProvider: true,
          foldingRangeProvider: true,
          documentFormattingProvider: true,
          codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        },
        serverInfo: { name: "kefgen", version: "0.1.0" },
      };
    });
    this.documents.onDidOpen((e) => this.changed(e.document, 0));
    this.documents.onDidChangeContent((e) => this.changed(e.document, debounceMs));
    this.documents.onDidClose((e) => {
      const file = fileOf(e.document.uri);
      if (!file) return;
      this.workspace.open.delete(file);
      this.schedule(file, 0);
    });
    connection.onDidChangeWatchedFiles((e) => {
      for (const c of e.changes) {
        const file = fileOf(c.uri);
        if (file) this.schedule(file, debounceMs);
      }
    });
    connection.onCompletion((p) => this.completion(p.textDocument.uri, p.position));
    connection.onHover((p) => this.hover(p.textDocument.uri, p.position));
    connection.onDefinition((p) => this.definition(p.textDocument.uri, p.position));
    connection.onReferences((p) => this.references(p.textDocument.uri, p.position, p.context.includeDeclaration));
    connection.onPrepareRename((p) => {
      const at = this.symbolAt(p.textDocument.uri, p.position);
      return at ? toLspRange(at.occurrence.range) : null;
    });
    connection.onRenameRequest((p) => {
      const at = this.symbolAt(p.textDocument.uri, p.position);
      if (!at) return null;
      const changes: Record<string, TextEdit[]> = {};
      for (const o of at.all) (changes[uriOf(o.file)] ??= []).push({ range: toLspRange(o.range), newText: p.newName });
      return { changes };
    });
    connection.onDocumentSymbol((p) => this.symbols(p.textDocument.uri));
    connection.onFoldingRanges((p) => this.folding(p.textDocument.uri));
    connection.onDocumentFormatting((p) => this.format(p.textDocument.uri));
    connection.onCodeAction((p) =>
      p.context.diagnostics.flatMap((d) => {
        const hint = (d.data as { hint?: string } | undefined)?.hint ?? "";
        const match = /did you mean "([^"]+)"\?/.exec(hint);
        if (!match) return [];
        // A diagnosed string keeps its quotes: `"com.acme.Adress"` becomes `"com.acme.Address"`.
        const written = this.documents.get(p.textDocument.uri)?.getText(d.range) ?? "";
        const newText = written.startsWith('"') ? JSON.stringify(match[1]) : match[1]!;
        return [
          {
            title: `Change to ${newText}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            isPreferred: true,
            edit: { changes: { [p.textDocument.uri]: [{ range: d.range, newText }] } },
          },
        ];
      }),
    );
    this.documents.listen(connection);
  }

  private changed(doc: TextDocument, delay: number): void {
    const file = fileOf(doc.uri);
    if (!file) return;
    this.workspace.open.set(file, doc.getText());
    this.schedule(file, delay);
  }

  private schedule(file: string, delay: number): void {
    for (const project of this.workspace.affected(file)) {
      clearTimeout(this.timers.get(project.key));
      this.timers.set(
        project.key,
        setTimeout(() => {
          this.timers.delete(project.key);
          this.publish(project);
        }, delay),
      );
    }
  }

  /** Analyses one project and publishes the diagnostics of each of its files (empty lists clear old ones). */
  publish(project: LspProject): void {
    const byFile = this.workspace.analyse(project);
    const base = project.options?.cwd ?? path.dirname(project.key.slice(project.key.indexOf(":") + 1));
    for (const f of project.published) if (!byFile.has(f)) byFile.set(f, []);
    project.published = new Set([...byFile].filter(([, ds]) => ds.length > 0).map(([f]) => f));
    for (const [file, ds] of byFile)
      void this.connection.sendDiagnostics({ uri: uriOf(file), diagnostics: ds.map((d) => toLspDiagnostic(d, base)) });
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  private context(uri: string):
    | {
        file: string;
        text: string;
        doc: TextDocument | undefined;
        ast: KefFile;
        project: LspProject;
        files: Map<string, KefFile>;
      }
    | undefined {
    const file = fileOf(uri);
    if (!file || !file.endsWith(".kef")) return undefined;
    const ast = this.workspace.ast(file);
    const text = this.workspace.text(file);
    if (!ast || text === undefined) return undefined;
    const project = this.workspace.projectOf(file);
    if (!project.analysis) this.workspace.analyse(project);
    const files = new Map<string, KefFile>();
    for (const f of project.analysis?.files ?? [file]) {
      const a = this.workspace.ast(f);
      if (a) files.set(f, a);
    }
    if (!files.has(file)) files.set(file, ast);
    return { file, text, doc: this.documents.get(uri), ast, project, files };
  }

  private offset(text: string, position: { line: number; character: number }): number {
    return TextDocument.create("", "kef", 0, text).offsetAt(position);
  }

  private symbolAt(
    uri: string,
    position: { line: number; character: number },
  ): { occurrence: Occurrence; all: Occurrence[] } | undefined {
    const ctx = this.context(uri);
    if (!ctx) return undefined;
    const offset = this.offset(ctx.text, position);
    const all = occurrences(ctx.files);
    const occurrence = all.find((o) => o.file === ctx.file && contains(o.range, offset));
    if (!occurrence) return undefined;
    return { occurrence, all: all.filter((o) => o.kind === occurrence.kind && o.name === occurrence.name) };
  }

  completion(uri: string, position: { line: number; character: number }): CompletionItem[] {
    const ctx = this.context(uri);
    if (!ctx) return [];
    const offset = this.offset(ctx.text, position);
    const lineStart = ctx.text.lastIndexOf("\n", offset - 1) + 1;
    const before = ctx.text.slice(lineStart, offset);
    const names = (kind: Occurrence["kind"]) => [
      ...new Set(
        occurrences(ctx.files)
          .filter((o) => o.kind === kind && o.declaration)
          .map((o) => o.name),
      ),
    ];
    const item = (label: string, kind: CompletionItemKind, detail?: string): CompletionItem => ({
      label,
      kind,
      ...(detail ? { detail } : {}),
    });
    // Inside a topic's `{ }`: which block, from the braces (the line being typed may not parse yet).
    const declaration = declarationAt(ctx.ast, offset);
    const topicStart = declaration
      ? declaration.$type === "Topic"
        ? declaration.range.start.offset
        : undefined
      : lastTopicStart(ctx.text, offset);
    const topicBlock = topicStart === undefined ? undefined : topicBlockAt(ctx.text, topicStart, offset);
    if (topicBlock === "config") {
      const doc = TextDocument.create("", "kef", 0, ctx.text);
      return topicConfigCompletion(before, (n) => ({ start: doc.positionAt(offset - n), end: doc.positionAt(offset) }));
    }
    // A setting's value: after `name =`.
    const assignment = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(-?[0-9][0-9.]*)?[A-Za-z]*$/.exec(before);
    if (assignment) {
      const info = settingsByName.get(assignment[1]!);
      if (!info) return [];
      const t = info.type;
      if (assignment[2] !== undefined)
        return t.kind === "integer" && t.unit
          ? Object.keys(units[t.unit]).map((u) => item(u, CompletionItemKind.Unit, `×${units[t.unit!][u]}`))
          : [];
      if (t.kind === "enum")
        return t.values.map((v) =>
          item(v, CompletionItemKind.EnumMember, `${info.name}${info.default === v ? " (default)" : ""}`),
        );
      if (t.kind === "boolean") return ["true", "false"].map((v) => item(v, CompletionItemKind.Value));
      if (t.kind === "name")
        return names(t.of === "registry" ? "registry" : "connection").map((n) =>
          item(n, CompletionItemKind.Reference, t.of),
        );
      // Words a string or number setting also takes: `deadLetter = default`, `retryAttempts = unlimited`.
      if ((t.kind === "string" || t.kind === "integer") && t.words)
        return t.words.map((v) =>
          item(v, CompletionItemKind.Keyword, `${info.name}${info.default === v ? " (default)" : ""}`),
        );
      return [];
    }
    if (/\bvia\s+[A-Za-z0-9_]*$/.test(before))
      return names("connection").map((n) => item(n, CompletionItemKind.Reference, "connection"));
    if (/^\s*topic\s+"[^"]*"(\s+as\s+[A-Za-z0-9_]+)?\s*:\s*[A-Za-z0-9_.]*$/.test(before))
      return names("message").map((n) => item(n, CompletionItemKind.Class, "message type"));
    if (topicBlock === "body" && /^\s*[A-Za-z0-9_]*$/.test(before)) return topicBodyItems();
    const inBlock =
      declaration &&
      declaration.$type !== "Message" &&
      declaration.$type !== "Registry" &&
      ctx.text.lastIndexOf("{", offset - 1) > declaration.range.start.offset;
    if (inBlock && /^\s*[A-Za-z0-9_]*$/.test(before)) {
      // Which settings the block takes (generator/check.ts): a topic's producer block the producer's, its consumer
      // block the buffer's, a connection all but the producer's, the shared block all.
      const producerBlock =
        declaration.$type === "Topic" &&
        declaration.producer !== undefined &&
        offset > declaration.producer.range.start.offset &&
        offset < declaration.producer.range.end.offset;
      const fits = (s: SettingInfo): boolean =>
        producerBlock
          ? s.scope === "producer" && s.name !== "produce"
          : declaration.$type === "Topic"
            ? s.scope === "buffer"
            : declaration.$type === "Connection"
              ? s.scope !== "producer"
              : true;
      return settingsCatalogue.filter(fits).map((s) => ({
        label: s.name,
        kind: CompletionItemKind.Property,
        detail: `default: ${s.default === undefined ? "none" : String(s.default)}`,
        documentation: { kind: MarkupKind.Markdown, value: settingDoc(s) },
        insertText: `${s.name} = `,
      }));
    }
    return [
      ...keywords.map((k) => item(k, CompletionItemKind.Keyword)),
      ...names("message").map((n) => item(n, CompletionItemKind.Class, "message type")),
      ...names("connection").map((n) => item(n, CompletionItemKind.Reference, "connection")),
      ...names("alias").map((n) => item(n, CompletionItemKind.Variable, "topic alias")),
      ...names("registry").map((n) => item(n, CompletionItemKind.Reference, "registry")),
    ];
  }

  hover(
    uri: string,
    position: { line: number; character: number },
  ): { contents: { kind: "markdown"; value: string }; range: LspRange } | null {
    const ctx = this.context(uri);
    if (!ctx) return null;
    const offset = this.offset(ctx.text, position);
    const declaration = declarationAt(ctx.ast, offset);
    const provisioning = declaration && topicBodyHover(declaration, offset);
    if (provisioning)
      return {
        contents: { kind: MarkupKind.Markdown, value: provisioning.value },
        range: toLspRange(provisioning.range),
      };
    const at = settingAt(ctx.ast, offset);
    if (at && contains(at.setting.name.range, offset)) {
      const info = settingsByName.get(at.setting.name.text);
      if (!info) return null;
      const value = [settingDoc(info), "", ...this.effective(ctx, at.declaration, info)].join("\n");
      return { contents: { kind: MarkupKind.Markdown, value }, range: toLspRange(at.setting.name.range) };
    }
    const symbol = this.symbolAt(uri, position);
    if (symbol?.occurrence.kind === "message") {
      const model = ctx.project.analysis?.model;
      const message = model?.messages.find((m) => m.name === symbol.occurrence.name);
      if (!model || !message)
        return {
          contents: { kind: MarkupKind.Markdown, value: `message **${symbol.occurrence.name}**` },
          range: toLspRange(symbol.occurrence.range),
        };
      return {
        contents: {
          kind: MarkupKind.Markdown,
          value: messageHover(model, message.name, message.fullName, message.schema.root),
        },
        range: toLspRange(symbol.occurrence.range),
      };
    }
    if (symbol)
      return {
        contents: {
          kind: MarkupKind.Markdown,
          value: `${symbol.occurrence.kind === "alias" ? "topic alias" : symbol.occurrence.kind} **${symbol.occurrence.name}**`,
        },
        range: toLspRange(symbol.occurrence.range),
      };
    return null;
  }

  /** The setting's effective value where it is written, and the layers it comes from: default → shared → connection → topic. */
  private effective(
    ctx: NonNullable<ReturnType<KefLanguageServer["context"]>>,
    declaration: Declaration,
    info: SettingInfo,
  ): string[] {
    const all = [...ctx.files.entries()].flatMap(([file, ast]) => ast.declarations.map((d) => ({ file, d })));
    const written = (d: Declaration | undefined): Setting | undefined =>
      d ? settingsInBlock(d).find((s) => s.name.text === info.name) : undefined;
    const shared = all.find((x) => x.d.$type === "Shared")?.d;
    const layers: { label: string; value: string | undefined }[] = [
      { label: "default", value: info.default === undefined ? undefined : String(info.default) },
    ];
    const sharedLayer = (applies: boolean) => {
      const s = applies ? written(shared) : undefined;
      layers.push({ label: "shared", value: s ? valueText(s.value) : undefined });
    };
    let connectionName = "shared";
    let topicName: string | undefined;
    if (declaration.$type === "Shared") sharedLayer(true);
    else if (declaration.$type === "Connection") {
      connectionName = declaration.name.text;
      sharedLayer(info.inherited);
      layers.push({
        label: `connection ${declaration.name.text}`,
        value: valueText(written(declaration)?.value) || undefined,
      });
    } else if (declaration.$type === "Topic") {
      topicName = declaration.topic.value;
      const clause = declaration.consumer;
      if (clause?.$type === "ViaConsumer") {
        connectionName = clause.connection.text;
        sharedLayer(info.inherited);
        const conn = all.find((x) => x.d.$type === "Connection" && x.d.name.text === clause.connection.text)?.d;
        layers.push({
          label: `connection ${clause.connection.text}`,
          value: valueText(written(conn)?.value) || undefined,
        });
      } else sharedLayer(clause?.$type !== "ExclusiveConsumer" || info.inherited);
      layers.push({
        label: `topic "${declaration.topic.value}"`,
        value: valueText(written(declaration)?.value) || undefined,
      });
    } else return [];
    const from = [...layers].reverse().find((l) => l.value !== undefined);
    const model = ctx.project.analysis?.model;
    let resolved: unknown;
    if (model) {
      const topic = topicName === undefined ? undefined : model.topics.find((t) => t.topic === topicName);
      const buffer = topic?.buffer as Record<string, unknown> | undefined;
      const connection = model.connections.find((c) => c.name === (topic?.connection ?? connectionName))?.settings as
        Record<string, unknown> | undefined;
      resolved = buffer && info.name in buffer ? buffer[info.name] : connection?.[info.name];
    }
    const shown =
      resolved !== undefined ? `\`${String(resolved)}\`` : from?.value !== undefined ? `\`${from.value}\`` : "none";
    return [
      `**Effective value:** ${shown}${from ? ` (from ${from.label})` : ""}`,
      "",
      layers.map((l) => `${l.label}: ${l.value === undefined ? "–" : `\`${l.value}\``}`).join(" → "),
    ];
  }

  definition(uri: string, position: { line: number; character: number }): Location[] | null {
    const symbol = this.symbolAt(uri, position);
    const ctx = this.context(uri);
    if (!symbol || !ctx) return null;
    const { occurrence } = symbol;
    if (occurrence.kind === "message") {
      const base = ctx.project.options?.cwd ?? path.dirname(ctx.file);
      const message = ctx.project.analysis?.model?.messages.find((m) => m.name === occurrence.name);
      const named =
        message?.schema.selected ??
        (message && "fullName" in message.schema.root && message.schema.root.kind !== "ref"
          ? message.schema.root
          : undefined);
      if (message && message.schema.file.endsWith(".avsc")) {
        const range = named?.range ?? message.schema.range;
        return [{ uri: uriOf(path.resolve(base, message.schema.file)), range: toLspRange(range) }];
      }
      // No model (the project has errors): the schema file the declaration names, else the declaration.
      for (const [file, ast] of ctx.files) {
        const decl = ast.declarations.find((d) => d.$type === "Message" && d.name.text === occurrence.name);
        if (decl?.$type !== "Message") continue;
        if (decl.schema?.$type === "SchemaFile") {
          const target = path.resolve(path.dirname(file), decl.schema.path.value.split("#")[0]!);
          return [{ uri: uriOf(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
        }
        return [{ uri: uriOf(file), range: toLspRange(decl.name.range) }];
      }
      return null;
    }
    return symbol.all.filter((o) => o.declaration).map((o) => ({ uri: uriOf(o.file), range: toLspRange(o.range) }));
  }

  references(uri: string, position: { line: number; character: number }, includeDeclaration: boolean): Location[] {
    const symbol = this.symbolAt(uri, position);
    if (!symbol) return [];
    return symbol.all
      .filter((o) => includeDeclaration || !o.declaration)
      .map((o) => ({ uri: uriOf(o.file), range: toLspRange(o.range) }));
  }

  symbols(uri: string): DocumentSymbol[] {
    const ctx = this.context(uri);
    if (!ctx) return [];
    return ctx.ast.declarations.map((d) => {
      const [name, kind] =
        d.$type === "Message"
          ? [`message ${d.name.text}`, LspSymbolKind.Class]
          : d.$type === "Shared"
            ? ["shared", LspSymbolKind.Namespace]
            : d.$type === "Connection"
              ? [`connection ${d.name.text}`, LspSymbolKind.Object]
              : d.$type === "Registry"
                ? [`registry ${d.name.text}`, LspSymbolKind.Object]
                : [`topic "${d.topic.value}"${d.alias ? ` as ${d.alias.text}` : ""}`, LspSymbolKind.Event];
      const selection = d.$type === "Topic" ? d.topic.range : d.$type === "Shared" ? d.keyword : d.name.range;
      const children = settingsInBlock(d).map((s) =>
        DocumentSymbol.create(
          s.name.text,
          valueText(s.value),
          LspSymbolKind.Property,
          toLspRange(s.range),
          toLspRange(s.name.range),
        ),
      );
      return DocumentSymbol.create(name, undefined, kind, toLspRange(d.range), toLspRange(selection), children);
    });
  }

  folding(uri: string): { startLine: number; endLine: number; kind?: string }[] {
    const ctx = this.context(uri);
    if (!ctx) return [];
    const out: { startLine: number; endLine: number; kind?: string }[] = [];
    for (const d of ctx.ast.declarations)
      if (d.range.end.line > d.range.start.line)
        out.push({ startLine: d.range.start.line - 1, endLine: d.range.end.line - 1 });
    const comment = /\/\*[\s\S]*?\*\//g;
    for (let m = comment.exec(ctx.text); m; m = comment.exec(ctx.text)) {
      const startLine = ctx.text.slice(0, m.index).split("\n").length - 1;
      const endLine = startLine + m[0].split("\n").length - 1;
      if (endLine > startLine) out.push({ startLine, endLine, kind: FoldingRangeKind.Comment });
    }
    return out;
  }

  format(uri: string): TextEdit[] {
    const ctx = this.context(uri);
    if (!ctx) return [];
    const result = formatKef({ file: ctx.file, absolutePath: ctx.file, text: ctx.text });
    if (result.text === undefined || result.text === ctx.text) return [];
    const end = TextDocument.create("", "kef", 0, ctx.text).positionAt(ctx.text.length);
    return [{ range: { start: { line: 0, character: 0 }, end }, newText: result.text }];
  }
}

/** Where the last `topic` declaration before `offset` starts, for text that does not parse as one yet. */
function lastTopicStart(text: string, offset: number): number | undefined {
  let start: number | undefined;
  for (const m of text.slice(0, offset).matchAll(/^topic\b/gm)) start = m.index;
  return start;
}

function settingsInBlock(d: Declaration): readonly Setting[] {
  if (d.$type === "Topic") return d.consumer?.settings?.settings ?? [];
  if (d.$type === "Message") return [];
  return d.settings?.settings ?? [];
}

/** A message's fields with their TypeScript types, as emit-messages.ts writes them. */
function messageHover(model: Model, name: string, fullName: string, root: AvroType): string {
  const ctx = { model, lookups: deriveLookups(model) };
  const lines = [`message **${name}** (\`${fullName}\`)`, "", "```ts"];
  const t = root.kind === "ref" ? (model.namedTypes.find((n) => n.fullName === root.fullName) ?? root) : root;
  if (t.kind === "record") {
    lines.push(`interface ${name} {`);
    for (const f of t.fields)
      lines.push(
        `  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(f.name) ? f.name : JSON.stringify(f.name)}: ${typeExpression(ctx, f.type)};`,
      );
    lines.push("}");
  } else lines.push(`type ${name} = ${typeExpression(ctx, t)};`);
  lines.push("```");
  return lines.join("\n");
}

/** Runs the server on stdin/stdout until the client asks it to exit. */
export function runLanguageServer(): Promise<number> {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  new KefLanguageServer(connection);
  return new Promise((resolve) => {
    connection.onExit(() => resolve(0));
    connection.listen();
  });
}
