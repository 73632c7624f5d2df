// The language server's view of the projects: which .kef files belong together, and their analysis with the
// open documents read from memory (an overlay over the file system). The pipeline is program.ts `analyse()`, as
// for `kefgen check`: the editor and the CLI cannot disagree.
import fs from "node:fs";
import path from "node:path";
import type { KefFile } from "../../grammar/ast.js";
import { findConfig, projectOptions } from "../config.js";
import type { Diagnostic } from "../diagnostics.js";
import { isInside, readProjectFile, type FileAccess, type FileRead } from "../files.js";
import { parse } from "../parse.js";
import { analyse, type AnalyseResult, type ProjectOptions } from "../program.js";

/** One project: a config's files, or one .kef file on its own. */
export interface LspProject {
  /** `config:<path>` or `file:<path>`. */
  readonly key: string;
  readonly options: ProjectOptions | undefined;
  /** Diagnostics of the config itself (KEF4003) when it cannot be loaded. */
  readonly configDiagnostics: readonly Diagnostic[];
  analysis: AnalyseResult | undefined;
  /** Absolute files diagnostics were last published for (to clear them). */
  published: Set<string>;
}

interface CachedRead {
  readonly mtimeMs: number;
  readonly size: number;
  readonly read: FileRead;
}

/** Open documents by absolute path, the projects, and a cache of unchanged files read from disk. */
export class Workspace {
  readonly open = new Map<string, string>();
  readonly projects = new Map<string, LspProject>();
  private readonly diskCache = new Map<string, CachedRead>();
  private readonly astCache = new Map<string, { text: string; ast: KefFile }>();

  constructor(readonly folders: readonly string[]) {}

  /** Reads a file: an open document from memory, else the disk (cached while its size and mtime are unchanged). */
  readonly readFile = (absolutePath: string, access?: FileAccess): FileRead => {
    const p = path.resolve(absolutePath);
    const text = this.open.get(p);
    if (text !== undefined && (!access?.roots || access.roots.some((r) => isInside(p, path.resolve(r)))))
      return { text };
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      stat = undefined;
    }
    const key = `${p}\0${access?.roots?.join("\0") ?? ""}`;
    const cached = this.diskCache.get(key);
    if (stat && stat.isFile() && cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size)
      return cached.read;
    const read = readProjectFile(p, access);
    if (stat && stat.isFile()) this.diskCache.set(key, { mtimeMs: stat.mtimeMs, size: stat.size, read });
    return read;
  };

  /** The text of a file as the editor sees it. */
  text(absolutePath: string): string | undefined {
    const read = this.readFile(absolutePath);
    return "text" in read ? read.text : undefined;
  }

  /** The parsed AST of a .kef file (cached by text). */
  ast(absolutePath: string): KefFile | undefined {
    const text = this.text(absolutePath);
    if (text === undefined) return undefined;
    const cached = this.astCache.get(absolutePath);
    if (cached && cached.text === text) return cached.ast;
    const ast = parse({ file: absolutePath, absolutePath, text }).value;
    this.astCache.set(absolutePath, { text, ast });
    return ast;
  }

  /** The project a .kef file belongs to: a workspace folder's config that lists it, else the file alone. */
  projectOf(file: string): LspProject {
    for (const folder of this.folders) {
      const config = findConfig(folder);
      if (!config) continue;
      const project = this.configProject(folder, config);
      if (!project.options) {
        if (isInside(file, folder)) return project;
        continue;
      }
      if (!project.analysis) this.analyse(project);
      if (project.analysis!.files.includes(file)) return project;
    }
    const key = `file:${file}`;
    let project = this.projects.get(key);
    if (!project) {
      project = {
        key,
        options: { inputs: [file], cwd: path.dirname(file) },
        configDiagnostics: [],
        analysis: undefined,
        published: new Set(),
      };
      this.projects.set(key, project);
    }
    return project;
  }

  private configProject(folder: string, config: string): LspProject {
    const key = `config:${config}`;
    let project = this.projects.get(key);
    if (!project) {
      const io = { cwd: folder, env: {}, stdout: { write: () => true }, stderr: { write: () => true } };
      const options = projectOptions(io, [], {});
      project =
        "usage" in options
          ? { key, options: undefined, configDiagnostics: [], analysis: undefined, published: new Set() }
          : "diagnostics" in options
            ? {
                key,
                options: undefined,
                configDiagnostics: options.diagnostics,
                analysis: undefined,
                published: new Set(),
              }
            : { key, options, configDiagnostics: [], analysis: undefined, published: new Set() };
      this.projects.set(key, project);
    }
    return project;
  }

  /**
   * Whether a project of one .kef file has lost that file: it is not open in the editor and not on disk (never
   * saved, or deleted). Analysing it would only report that the file cannot be read (KEF4001), on a file nobody has.
   */
  orphaned(project: LspProject): boolean {
    if (!project.key.startsWith("file:")) return false;
    const file = project.key.slice("file:".length);
    return !this.open.has(file) && !fs.existsSync(file);
  }

  /** Forgets a project of one .kef file (orphaned): a later open of the file makes it anew. */
  forgetFile(project: LspProject): void {
    this.projects.delete(project.key);
    this.astCache.delete(project.key.slice("file:".length));
  }

  /**
   * Forgets the projects a change of the config `configPath` (edited, created or deleted) may redraw: the config's own,
   * and those of single .kef files in its folder (a new config may take them in). They are made again when next
   * needed; the forgotten ones are returned, for what they showed to be cleared.
   */
  forgetFolder(configPath: string): LspProject[] {
    const folder = path.dirname(configPath);
    const gone = [...this.projects.values()].filter(
      (p) =>
        p.key === `config:${configPath}` ||
        (p.key.startsWith("file:") && isInside(p.key.slice("file:".length), folder)),
    );
    for (const p of gone) this.projects.delete(p.key);
    return gone;
  }

  /** Analyses a project with the open documents; returns its diagnostics by absolute file. */
  analyse(project: LspProject): Map<string, Diagnostic[]> {
    const byFile = new Map<string, Diagnostic[]>();
    const add = (base: string, d: Diagnostic): void => {
      const file = path.resolve(base, d.file);
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    };
    if (!project.options) {
      const config = project.key.slice("config:".length);
      for (const d of project.configDiagnostics) add(path.dirname(config), d);
      return byFile;
    }
    project.analysis = analyse({ ...project.options, readFile: this.readFile });
    for (const f of project.analysis.files) byFile.set(f, []);
    for (const f of project.analysis.schemaFiles) if (!byFile.has(f)) byFile.set(f, []);
    for (const d of project.analysis.diagnostics) add(project.options.cwd, d);
    return byFile;
  }

  /** A project that reads the schema file `file` (the first of them), if one has been analysed. */
  readerOf(file: string): LspProject | undefined {
    for (const p of this.projects.values()) if (p.analysis?.schemaFiles.includes(file)) return p;
    return undefined;
  }

  /** The projects a changed file may belong to (an open .kef, a schema file; a config is forgetFolder's). */
  affected(file: string): LspProject[] {
    const out = new Set<LspProject>();
    for (const p of this.projects.values()) {
      if (p.analysis && (p.analysis.files.includes(file) || p.analysis.schemaFiles.includes(file))) out.add(p);
    }
    if (file.endsWith(".kef")) out.add(this.projectOf(file));
    return [...out];
  }
}
