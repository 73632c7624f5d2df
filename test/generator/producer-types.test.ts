// Type-level tests of the generated producers, on the golden output of fixtures/valid/producers: `send` takes the
// topic's message type (`| null` only on a `tombstones` topic) and its key type; a missing or wrongly typed field,
// a key of another type, or any key on a `key none` topic does not compile.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const generated = path.join(repoRoot, "fixtures/valid/producers/expected");

const header = `
import * as gen from "./index.js";
declare const kafka: { brokers: string[] };
const p = gen.createShopProducersProducers(kafka).topics;
const order: gen.Order = { id: "o-1", total: 10, note: null };
`;

const snippets = {
  valid: `${header}
    async function run(): Promise<void> {
      await p.orders.send(order, { key: "o-1", headers: { source: "test" }, partition: 0, timestamp: new Date() });
      await p.orders.sendBatch([{ value: order, key: "o-1" }, { value: order }]);
      await p.orderBlobs.send(order, { key: Buffer.from("o-1") });
      await p.anonymousOrders.send(order);
      await p.framedOrders.send(order, { key: { id: "o-1" } });
      await p.framedOrders.send(null, { key: { id: "o-1" } });
      await p.singleOrders.send(order, { timestamp: 1_700_000_000_000 });
    }
    void run;`,
  missingField: `${header} void p.orders.send({ id: "o-1", note: null });`,
  wrongFieldType: `${header} void p.orders.send({ ...order, total: "10" });`,
  unknownField: `${header} void p.orders.send({ ...order, extra: "x" });`,
  tombstoneWithoutTombstones: `${header} void p.orders.send(null);`,
  keyOfAnotherType: `${header} void p.orders.send(order, { key: Buffer.from("o-1") });`,
  keyOnKeyNone: `${header} void p.anonymousOrders.send(order, { key: "o-1" });`,
  messageKeyWrongShape: `${header} void p.framedOrders.send(order, { key: { id: 1 } });`,
  noProducerForTopic: `${header} void (p as { audit: unknown }).audit; void p.audit;`,
} as const;

type Name = keyof typeof snippets;
let errors: Record<Name, string[]>;

beforeAll(() => {
  errors = compileSnippets(
    new Map(
      Object.entries(snippets).map(([name, text]) => [
        name as Name,
        { file: path.join(generated, `__${name}.ts`), text },
      ]),
    ),
  );
}, 60_000);

describe("generated producers are typed by the topic's value and key types", () => {
  it("accept the message type, the declared key type, headers, partition and timestamp; null only with tombstones", () => {
    expect(errors.valid).toEqual([]);
  });

  it("reject a missing, wrongly typed or unknown field", () => {
    expect(errors.missingField.join("\n")).toMatch(/TS2345:[\s\S]*total/);
    expect(errors.wrongFieldType.join("\n")).toMatch(/TS2322:[\s\S]*number/);
    expect(errors.unknownField.join("\n")).toMatch(/TS2353:[\s\S]*extra/);
  });

  it("reject a tombstone where the topic does not declare tombstones", () => {
    expect(errors.tombstoneWithoutTombstones.join("\n")).toMatch(/TS2345:[\s\S]*null/);
  });

  it("reject a key of another type, any key on a key none topic, and a message key of the wrong shape", () => {
    expect(errors.keyOfAnotherType.join("\n")).toMatch(/TS2322:[\s\S]*string/);
    expect(errors.keyOnKeyNone.join("\n")).toMatch(/TS2322:[\s\S]*null \| undefined/);
    expect(errors.messageKeyWrongShape.join("\n")).toMatch(/TS2322:[\s\S]*string/);
  });

  it("have no producer for a topic that did not ask for one", () => {
    expect(errors.noProducerForTopic.join("\n")).toMatch(/TS2339:[\s\S]*audit/);
  });
});
