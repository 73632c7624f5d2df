// Starts the kefgen language server for .kef files: the project's own kefgen (node_modules/.bin/kefgen lsp),
// or the executable the `kefgen.server.path` setting names, else `kefgen` on the PATH.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

/** The kefgen executable for a workspace folder. */
function serverCommand(folder) {
  const configured = vscode.workspace.getConfiguration("kefgen", folder?.uri).get("server.path");
  if (configured) return folder && !path.isAbsolute(configured) ? path.join(folder.uri.fsPath, configured) : configured;
  if (folder) {
    const local = path.join(
      folder.uri.fsPath,
      "node_modules",
      ".bin",
      process.platform === "win32" ? "kefgen.cmd" : "kefgen",
    );
    if (fs.existsSync(local)) return local;
  }
  return "kefgen";
}

async function activate(context) {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const command = serverCommand(folder);
  const run = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
    options: { cwd: folder?.uri.fsPath, shell: process.platform === "win32" },
  };
  client = new LanguageClient(
    "kefgen",
    "kefgen language server",
    { run, debug: run },
    {
      // The server registers the file watchers it needs (.kef, .avsc, kefgen.config.json) when it starts.
      documentSelector: [
        { scheme: "file", language: "kef" },
        { scheme: "file", pattern: "**/*.avsc" },
      ],
    },
  );
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
