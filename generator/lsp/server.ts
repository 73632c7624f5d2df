// `kefgen lsp`: the language server, over stdio. Diagnostics come from program.ts `analyse()` (with the open
// documents in memory), so they are those of `kefgen check`; the other requests read the parsed AST and the model,
// each in a file of its own: completion.ts, hover.ts, outline.ts (symbols, folding), code-actions.ts.
import path from "node:path";
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type Connection,
  type Location,
  type TextEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { inlineJsonLexer } from "../../grammar/inline-json.js";
import { Identifier } from "../../grammar/tokens.js";
import { configFileName } from "../config.js";
import { isInside } from "../files.js";
import { formatKef } from "../fmt.js";
import { quickFixes, schemaFileQuickFixes } from "./code-actions.js";
import { completionAt } from "./completion.js";
import { hoverAt } from "./hover.js";
import { documentSymbols, foldingRanges } from "./outline.js";
import { fileOf, toLspDiagnostic, toLspRange, uriOf, type DocumentContext } from "./protocol.js";
import { symbolAt } from "./symbols.js";
import { Workspace, type LspProject } from "./workspace.js";

/** How long after the last change diagnostics are computed (ms): a burst of keystrokes is analysed once. */
const debounceMs = 15;

type Position = { line: number; character: number };

/** The server's state and request handlers; `connection` is stdio for `kefgen lsp`. */
class KefLanguageServer {
  readonly documents = new TextDocuments(TextDocument);
  workspace = new Workspace([]);
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly connection: Connection) {
    let registersWatchers = false;
    connection.onInitialize((params) => {
      registersWatchers = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
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
          completionProvider: { triggerCharacters: [" ", "=", ":", "|"] },
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
    connection.onInitialized(() => {
      // The files the server reads from disk: the client reports their changes (a client that cannot register
      // watchers is left to report them by its own configuration). vscode-languageclient registers them so.
      if (!registersWatchers) return;
      const watchers = ["**/*.kef", "**/*.avsc", `**/${configFileName}`].map((globPattern) => ({ globPattern }));
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers }).catch(() => undefined);
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
    const at = <R>(uri: string, position: Position, answer: (ctx: DocumentContext, offset: number) => R, none: R) => {
      const ctx = this.context(uri);
      return ctx ? answer(ctx, offsetOf(ctx.text, position)) : none;
    };
    connection.onCompletion((p) => at(p.textDocument.uri, p.position, completionAt, []));
    connection.onHover((p) => at(p.textDocument.uri, p.position, hoverAt, null));
    connection.onDefinition((p) => at(p.textDocument.uri, p.position, definitionAt, null));
    connection.onReferences((p) =>
      at(
        p.textDocument.uri,
        p.position,
        (ctx, offset) =>
          (symbolAt(ctx, offset)?.all ?? [])
            .filter((o) => p.context.includeDeclaration || !o.declaration)
            .map((o) => ({ uri: uriOf(o.file), range: toLspRange(o.range) })),
        [],
      ),
    );
    connection.onPrepareRename((p) =>
      at(
        p.textDocument.uri,
        p.position,
        (ctx, offset) => {
          const symbol = symbolAt(ctx, offset);
          return symbol ? toLspRange(symbol.occurrence.range) : null;
        },
        null,
      ),
    );
    connection.onRenameRequest((p) => {
      // A new name the lexer would not read as one name (or reads as a keyword, which the checker refuses as a name:
      // KEF2017) would break every place it is written: refused, as the protocol lets a server refuse a rename.
      if (!isName(p.newName))
        return new ResponseError(
          ErrorCodes.InvalidParams,
          `"${p.newName}" cannot be a name: it must be a word (letters, digits, _) that is not a keyword`,
        );
      return at(
        p.textDocument.uri,
        p.position,
        (ctx, offset) => {
          const symbol = symbolAt(ctx, offset);
          if (!symbol) return null;
          const changes: Record<string, TextEdit[]> = {};
          for (const o of symbol.all)
            (changes[uriOf(o.file)] ??= []).push({ range: toLspRange(o.range), newText: p.newName });
          return { changes };
        },
        null,
      );
    });
    connection.onDocumentSymbol((p) => {
      const ctx = this.context(p.textDocument.uri);
      return ctx ? documentSymbols(ctx.ast) : [];
    });
    connection.onFoldingRanges((p) => {
      const ctx = this.context(p.textDocument.uri);
      return ctx ? foldingRanges(ctx.ast, ctx.text) : [];
    });
    connection.onDocumentFormatting((p) => this.format(p.textDocument.uri));
    connection.onCodeAction((p) => {
      const ctx = this.context(p.textDocument.uri);
      if (ctx) return quickFixes(ctx, p.context.diagnostics);
      // A schema file's diagnostics (shown on it) come from a project that reads it.
      const file = fileOf(p.textDocument.uri);
      const project = file && this.workspace.readerOf(file);
      const text = file && this.workspace.text(file);
      if (!file || !project || text === undefined) return [];
      return schemaFileQuickFixes({ file, text, project, read: this.workspace.readFile }, p.context.diagnostics);
    });
    this.documents.listen(connection);
  }

  private changed(doc: TextDocument, delay: number): void {
    const file = fileOf(doc.uri);
    if (!file) return;
    this.workspace.open.set(file, doc.getText());
    this.schedule(file, delay);
  }

  private schedule(file: string, delay: number): void {
    if (path.basename(file) === configFileName) return this.configChanged(file, delay);
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

  /**
   * A config changed, appeared or went: its folder's projects are drawn again. What they showed is cleared now (a
   * config that no longer loads, or a file it no longer lists, would keep it otherwise) and the open .kef files of the
   * folder are checked again, under the new config or alone.
   */
  private configChanged(config: string, delay: number): void {
    const folder = path.dirname(config);
    const gone = this.workspace.forgetFolder(config);
    for (const p of gone) {
      clearTimeout(this.timers.get(p.key));
      this.timers.delete(p.key);
    }
    for (const f of new Set(gone.flatMap((p) => [...p.published])))
      void this.connection.sendDiagnostics({ uri: uriOf(f), diagnostics: [] });
    for (const f of this.workspace.open.keys()) if (f.endsWith(".kef") && isInside(f, folder)) this.schedule(f, delay);
  }

  /**
   * Analyses one project and publishes the diagnostics of each of its files (empty lists clear old ones); a file's own
   * project whose file is closed and not on disk is forgotten, its diagnostics cleared.
   */
  publish(project: LspProject): void {
    if (this.workspace.orphaned(project)) {
      // Closed and not on disk: clear what it showed (on the .kef and its schema files) rather than say it is gone.
      for (const f of project.published) void this.connection.sendDiagnostics({ uri: uriOf(f), diagnostics: [] });
      this.workspace.forgetFile(project);
      return;
    }
    const byFile = this.workspace.analyse(project);
    const base = project.options?.cwd ?? path.dirname(project.key.slice(project.key.indexOf(":") + 1));
    for (const f of project.published) if (!byFile.has(f)) byFile.set(f, []);
    project.published = new Set([...byFile].filter(([, ds]) => ds.length > 0).map(([f]) => f));
    for (const [file, ds] of byFile)
      void this.connection.sendDiagnostics({ uri: uriOf(file), diagnostics: ds.map((d) => toLspDiagnostic(d, base)) });
  }

  /** What a request about the .kef document `uri` works from; undefined for another document. */
  private context(uri: string): DocumentContext | undefined {
    const file = fileOf(uri);
    if (!file || !file.endsWith(".kef")) return undefined;
    const ast = this.workspace.ast(file);
    const text = this.workspace.text(file);
    if (!ast || text === undefined) return undefined;
    const project = this.workspace.projectOf(file);
    if (!project.analysis) this.workspace.analyse(project);
    const files = new Map<string, typeof ast>();
    for (const f of project.analysis?.files ?? [file]) {
      const a = this.workspace.ast(f);
      if (a) files.set(f, a);
    }
    if (!files.has(file)) files.set(file, ast);
    return { file, text, ast, project, files, read: this.workspace.readFile };
  }

  private format(uri: string): TextEdit[] {
    const ctx = this.context(uri);
    if (!ctx) return [];
    const result = formatKef({ file: ctx.file, absolutePath: ctx.file, text: ctx.text });
    if (result.text === undefined || result.text === ctx.text) return [];
    const end = TextDocument.create("", "kef", 0, ctx.text).positionAt(ctx.text.length);
    return [{ range: { start: { line: 0, character: 0 }, end }, newText: result.text }];
  }
}

/** Whether `text` lexes as exactly one identifier (not a keyword, not several words). */
function isName(text: string): boolean {
  const { tokens, errors } = inlineJsonLexer.tokenize(text);
  return errors.length === 0 && tokens.length === 1 && tokens[0]!.tokenType === Identifier && tokens[0]!.image === text;
}

function offsetOf(text: string, position: Position): number {
  return TextDocument.create("", "kef", 0, text).offsetAt(position);
}

/**
 * Go to definition: a message type to its named type in its `.avsc` file (or to the `.kef` declaration of an inline
 * schema); a connection, registry or alias to its declaration.
 */
function definitionAt(ctx: DocumentContext, offset: number): Location[] | null {
  const symbol = symbolAt(ctx, offset);
  if (!symbol) return null;
  const { occurrence } = symbol;
  if (occurrence.kind !== "message")
    return symbol.all.filter((o) => o.declaration).map((o) => ({ uri: uriOf(o.file), range: toLspRange(o.range) }));
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
  // No model (the project has errors): the schema file the declaration names if it can be read (not a missing file or
  // a directory, which an editor cannot show), else the declaration.
  for (const [file, ast] of ctx.files) {
    const decl = ast.declarations.find((d) => d.$type === "Message" && d.name.text === occurrence.name);
    if (decl?.$type !== "Message") continue;
    if (decl.schema?.$type === "SchemaFile") {
      const target = path.resolve(path.dirname(file), decl.schema.path.value.split("#")[0]!);
      if ("text" in ctx.read(target))
        return [{ uri: uriOf(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
    }
    return [{ uri: uriOf(file), range: toLspRange(decl.name.range) }];
  }
  return null;
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
