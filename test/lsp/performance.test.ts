// Edit-to-diagnostics time of `kefgen lsp` on generated 1,000- and 10,000-line .kef files. The figures are printed
// (the target is under 150 ms at 10,000 lines); only correctness is asserted: each edit's diagnostics are right.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LspClient } from "../support/lsp.js";
import { brokenKef, generatedKef } from "../support/perf-kef.js";

describe("edit-to-diagnostics time", () => {
  let dir: string;
  let client: LspClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-lsp-perf-"));
    client = await startServer();
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([1_000, 10_000])("%i lines", async (lines) => {
    const file = path.join(dir, `perf-${lines}.kef`);
    const text = generatedKef(lines);
    expect(text.split("\n").length).toBeGreaterThanOrEqual(lines);
    expect(await client.open(file, text)).toEqual([]);
    const times: number[] = [];
    for (let round = 0; round < 6; round++) {
      // Break a connection reference near the end, then fix it: each edit's diagnostics are awaited and checked.
      const broken = brokenKef(text);
      let start = performance.now();
      const bad = await client.change(file, broken);
      times.push(performance.now() - start);
      expect(bad.map((d) => d.code)).toContain("KEF2002");
      start = performance.now();
      expect(await client.change(file, text)).toEqual([]);
      times.push(performance.now() - start);
    }
    const warm = times.slice(2).sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)]!;
    console.log(
      `kefgen lsp: ${lines} lines (${text.length} characters): edit-to-diagnostics median ${median.toFixed(0)} ms, max ${warm[warm.length - 1]!.toFixed(0)} ms, first ${times[0]!.toFixed(0)} ms`,
    );
  });
});
