// The 9,600-line .kef of issue 11 (800 inline messages, 800 topics): `kefgen check` of it is timed by
// bench/generator.ts and bench/editor.ts.
import fs from "node:fs";
import path from "node:path";

/** One .kef of 800 inline messages (11 lines each) and 800 topics: 9,600 lines and a header. */
export function writeLargeKef(dir: string, n = 800): { file: string; lines: number } {
  fs.mkdirSync(dir, { recursive: true });
  const lines = ["namespace bench.large", 'shared { groupId = "bench" }'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `message Event${i} avro {`,
      `  "type": "record", "name": "Event${i}", "namespace": "bench.large.s${i}", "fields": [`,
      `    { "name": "id", "type": "string" }, { "name": "sequence", "type": "long" }, { "name": "active", "type": "boolean" },`,
      `    { "name": "address", "type": { "type": "record", "name": "Address${i}", "fields": [ { "name": "street", "type": "string" } ] } },`,
      `    { "name": "status", "type": { "type": "enum", "name": "Status${i}", "symbols": ["PENDING", "ACTIVE", "CLOSED"] } },`,
      `    { "name": "tags", "type": { "type": "array", "items": "string" } },`,
      `    { "name": "attributes", "type": { "type": "map", "values": "long" } },`,
      `    { "name": "note", "type": ["null", "string"], "default": null },`,
      `    { "name": "amount", "type": { "type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2 } },`,
      `    { "name": "placedAt", "type": { "type": "long", "logicalType": "timestamp-millis" } } ]`,
      `}`,
    );
  }
  for (let i = 0; i < n; i++) lines.push(`topic "events-${i}" : Event${i}`);
  const file = path.join(dir, "large.kef");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return { file, lines: lines.length };
}
