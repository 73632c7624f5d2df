// The extension's entry point (editors/vscode/extension.js) activated with stand-ins for the `vscode` API and
// vscode-languageclient: in a workspace whose node_modules/.bin holds a kefgen, it starts that kefgen as `kefgen lsp`
// (stdio, in the folder) for .kef documents, and the command it starts is a working language server.
import fs from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { startServer, uri } from "../support/lsp.js";

interface Started {
  serverOptions: { run: { command: string; args: string[]; transport: number; options: { cwd?: string } } };
  clientOptions: { documentSelector: { scheme: string; language?: string; pattern?: string }[] };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-vscode-activate-"));
  const bin = path.join(dir, "node_modules", ".bin");
  fs.mkdirSync(bin, { recursive: true });
  // The project's own kefgen: here one that runs `kefgen lsp` from the sources (bin/kefgen.js needs a build).
  fs.writeFileSync(
    path.join(bin, "kefgen"),
    [
      "#!/usr/bin/env node",
      'if (process.argv[2] !== "lsp") process.exit(64);',
      `const child = require("node:child_process").spawn(process.execPath, ["--import", "tsx", ${JSON.stringify(path.join(repoRoot, "test/support/lsp-server.ts"))}, ...process.argv.slice(3)], { stdio: "inherit", cwd: ${JSON.stringify(repoRoot)} });`,
      "child.on('exit', (code) => process.exit(code ?? 1));",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Activates the extension with stand-ins; returns what it gave the language client. */
async function activate(): Promise<Started> {
  let started: Started | undefined;
  const vscode = {
    workspace: {
      workspaceFolders: [{ uri: { fsPath: dir } }],
      getConfiguration: () => ({ get: () => "" }),
    },
  };
  const languageClient = {
    TransportKind: { stdio: 0, ipc: 1 },
    LanguageClient: class {
      constructor(
        _id: string,
        _name: string,
        serverOptions: Started["serverOptions"],
        clientOptions: Started["clientOptions"],
      ) {
        started = { serverOptions, clientOptions };
      }
      start() {
        return Promise.resolve();
      }
      stop() {
        return Promise.resolve();
      }
    },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = (request, ...rest) =>
    request === "vscode" ? vscode : request === "vscode-languageclient/node" ? languageClient : load(request, ...rest);
  try {
    const require = createRequire(import.meta.url);
    const entry = path.join(repoRoot, "editors/vscode/extension.js");
    delete require.cache[entry];
    const extension = require(entry) as { activate: (context: { subscriptions: unknown[] }) => Promise<void> };
    const context = { subscriptions: [] as unknown[] };
    await extension.activate(context);
    expect(context.subscriptions).toHaveLength(1);
  } finally {
    loader._load = load;
  }
  if (!started) throw new Error("the extension started no language client");
  return started;
}

describe("the extension's activation", () => {
  it("starts the project's own kefgen as `kefgen lsp` over stdio, for .kef documents", async () => {
    const { serverOptions, clientOptions } = await activate();
    expect(serverOptions.run.command).toBe(path.join(dir, "node_modules", ".bin", "kefgen"));
    expect(serverOptions.run.args).toEqual(["lsp"]);
    expect(serverOptions.run.transport).toBe(0);
    expect(serverOptions.run.options.cwd).toBe(dir);
    expect(clientOptions.documentSelector).toContainEqual({ scheme: "file", language: "kef" });
  });

  it("the command it starts answers as the language server (vscode-languageclient adds --stdio)", async () => {
    const { serverOptions } = await activate();
    const client = await startServer(dir, [serverOptions.run.command, ...serverOptions.run.args, "--stdio"]);
    try {
      const file = path.join(dir, "shop.kef");
      const diagnostics = await client.open(file, 'message M avro { "type": "strng" }\n');
      expect(diagnostics.map((d) => d.code)).toContain("KEF3001");
      expect(client.diagnostics.has(uri(file))).toBe(true);
    } finally {
      await client.close();
    }
  });
});
