// The reference tables in docs/settings.md and docs/diagnostics.md are generated from the settings declaration
// (runtime/settings-declaration.ts, joined with its texts in generator/settings.ts) and the diagnostic catalogue
// (generator/catalogue.ts), so they cannot drift; `npm run snapshots:update` rewrites them.
import { codes as catalogue } from "../generator/catalogue.js";
import { settingsCatalogue, describeType } from "../generator/settings.js";

const settingsBegin =
  "<!-- settings-table:begin (generated from runtime/settings-declaration.ts and generator/settings.ts) -->";
const settingsEnd = "<!-- settings-table:end -->";
const codesBegin = "<!-- codes-table:begin (generated from generator/diagnostics.ts) -->";
const codesEnd = "<!-- codes-table:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function settingsTable(): string {
  const rows = settingsCatalogue.map((s) => {
    const where =
      s.scope === "buffer"
        ? "shared, connection, topic"
        : s.scope === "producer"
          ? s.name === "produce"
            ? "shared"
            : "shared, producer"
          : "shared, connection";
    const def = s.default === undefined ? "—" : `\`${String(s.default)}\``;
    const type =
      s.type.kind === "integer"
        ? `integer ${s.type.min}–${s.type.max}${s.type.words ? ` or ${s.type.words.join(" or ")}` : ""}`
        : describeType(s.type);
    return `| \`${s.name}\` | ${cell(type)} | ${def} | ${where}${s.inherited ? "" : " (not inherited)"} | ${cell(s.meaning)} | ${cell(s.honouredBy)}${s.unsupported ? ` — not on ${s.unsupported.client}${cell(s.unsupported.values === undefined ? "" : ` (${s.unsupported.values.map((v) => `\`${String(v)}\``).join(", ")})`)}: ${cell(s.unsupported.why)}` : ""} |`;
  });
  return [
    settingsBegin,
    "| setting | value | default | where | meaning | how it is honoured |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    settingsEnd,
  ].join("\n");
}

export function codesTable(): string {
  const rows = Object.entries(catalogue).map(([code, title]) => `| ${code} | ${cell(title)} |`);
  return [codesBegin, "| code | meaning |", "| --- | --- |", ...rows, codesEnd].join("\n");
}

/** Replaces the generated table between its markers in a document. */
export function withTable(document: string, table: string): string {
  const begin = table.slice(0, table.indexOf("\n"));
  const end = table.slice(table.lastIndexOf("\n") + 1);
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`markers ${begin} … ${end} not found`);
  return document.slice(0, from) + table + document.slice(to + end.length);
}
