// A language client for the protocol tests: spawns `kefgen lsp` and talks to it over stdio with vscode-jsonrpc
// (the transport vscode-languageclient uses), waiting for the diagnostics the server pushes.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type {
  ClientCapabilities,
  CompletionItem,
  Diagnostic,
  Hover,
  PublishDiagnosticsParams,
  Registration,
  RegistrationParams,
} from "vscode-languageserver-protocol";
import { repoRoot } from "../../scripts/snapshots.js";

export const uri = (file: string): string => pathToFileURL(path.resolve(file)).href;

/** The position of `needle` in `text` (its `nth` occurrence), moved `delta` characters. */
export function at(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`"${needle}" not found`);
  const before = text.slice(0, index + delta);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - (before.lastIndexOf("\n") + 1) };
}

export const labels = (items: readonly CompletionItem[]): string[] => items.map((i) => i.label);
export const hoverText = (h: Hover | null): string =>
  h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";

export interface LspClient {
  readonly connection: MessageConnection;
  readonly process: ChildProcess;
  /** Latest diagnostics by URI. */
  readonly diagnostics: Map<string, Diagnostic[]>;
  /** The capabilities the server registered with the client (client/registerCapability), in order. */
  readonly registrations: Registration[];
  /** Resolves with the next diagnostics published for `uri` (after `since` publishes, if given). */
  nextDiagnostics(uri: string): Promise<Diagnostic[]>;
  /** Resolves with the first diagnostics published for `uri` (from now on) that satisfy `accept`. */
  until(uri: string, accept: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]>;
  open(file: string, text?: string): Promise<Diagnostic[]>;
  change(file: string, text: string): Promise<Diagnostic[]>;
  /** Sends didClose for `file` (its diagnostics, if the server publishes any, arrive through `nextDiagnostics`). */
  closeDocument(file: string): Promise<void>;
  request<R>(method: string, params: unknown): Promise<R>;
  close(): Promise<void>;
}

/** The server from the sources (as `kefgen lsp`), by default; bench/editor.ts runs built ones (`bin/kefgen.js lsp`). */
const sourceServer = ["--import", "tsx", path.join(repoRoot, "test/support/lsp-server.ts"), "--stdio"];

/**
 * Starts the server (node with `serverArgs`) with `folder` as the workspace folder (or none); the client claims
 * `capabilities` (none by default).
 */
export async function startServer(
  folder?: string,
  serverArgs: readonly string[] = sourceServer,
  capabilities: ClientCapabilities = {},
): Promise<LspClient> {
  const child = spawn(process.execPath, serverArgs, { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const diagnostics = new Map<string, Diagnostic[]>();
  const waiting = new Map<string, ((d: Diagnostic[]) => void)[]>();
  connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, p.diagnostics);
    const ws = waiting.get(p.uri) ?? [];
    waiting.delete(p.uri);
    for (const w of ws) w(p.diagnostics);
  });
  const registrations: Registration[] = [];
  connection.onRequest("client/registerCapability", (p: RegistrationParams) => {
    registrations.push(...p.registrations);
  });
  connection.listen();
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: folder ? uri(folder) : null,
    workspaceFolders: folder ? [{ uri: uri(folder), name: path.basename(folder) }] : null,
    capabilities,
  });
  await connection.sendNotification("initialized", {});
  const versions = new Map<string, number>();
  const nextDiagnostics = (u: string): Promise<Diagnostic[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${u}`)), 30_000);
      waiting.set(u, [...(waiting.get(u) ?? []), (d) => (clearTimeout(timer), resolve(d))]);
    });
  return {
    connection,
    process: child,
    diagnostics,
    registrations,
    nextDiagnostics,
    async until(u, accept) {
      for (;;) {
        const d = await nextDiagnostics(u);
        if (accept(d)) return d;
      }
    },
    async open(file, text) {
      const u = uri(file);
      versions.set(u, 1);
      const next = nextDiagnostics(u);
      await connection.sendNotification("textDocument/didOpen", {
        textDocument: { uri: u, languageId: "kef", version: 1, text: text ?? fs.readFileSync(file, "utf8") },
      });
      return next;
    },
    async change(file, text) {
      const u = uri(file);
      const version = (versions.get(u) ?? 1) + 1;
      versions.set(u, version);
      const next = nextDiagnostics(u);
      await connection.sendNotification("textDocument/didChange", {
        textDocument: { uri: u, version },
        contentChanges: [{ text }],
      });
      return next;
    },
    async closeDocument(file) {
      const u = uri(file);
      versions.delete(u);
      await connection.sendNotification("textDocument/didClose", { textDocument: { uri: u } });
    },
    request: <R>(method: string, params: unknown) => connection.sendRequest(method, params) as Promise<R>,
    async close() {
      await connection.sendRequest("shutdown");
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await connection.sendNotification("exit");
      await exited;
      connection.dispose();
    },
  };
}
