// The generated .kef of the editor's performance figures (test/lsp/performance.test.ts, bench/editor.ts), and the
// edit they time: breaking the last topic's connection reference, then fixing it.

/** A valid .kef of about `lines` lines: messages, connections and topics in proportion. */
export function generatedKef(lines: number): string {
  const out = ["namespace perf", "", "shared {", '  groupId = "perf"', "  maxBufferedMessages = 500", "}", ""];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `message M${i} avro {`,
      `  "type": "record", "name": "M${i}",`,
      `  "fields": [ { "name": "id", "type": "string" }, { "name": "n", "type": "long" } ]`,
      "}",
      `connection c${i} exclusive {`,
      `  groupId = "perf-${i}"`,
      "  sessionTimeoutMs = 30s",
      "}",
      `topic "t${i}" : M${i} { consumer via c${i} { backpressure = DropOldestMessage } }`,
      "",
    );
  }
  return `${out.join("\n")}\n`;
}

/** `text` with the last topic's connection reference broken (`via cx`): one KEF2002. */
export function brokenKef(text: string): string {
  return text.replace(
    /via c(\d+) \{ backpressure = DropOldestMessage \} \}\n\n?$/,
    "via cx { backpressure = DropOldestMessage } }\n",
  );
}
