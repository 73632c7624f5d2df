// Type-level tests of typed keys and tombstones, on the golden output of fixtures/valid/keys: `context.key` has the
// declared key type (`| null`, for records without a key), and on a `tombstones` topic the message is `User | null`,
// so a handler that ignores null does not compile under strict null checks.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const generated = path.join(repoRoot, "fixtures/valid/keys/expected");

const header = `
import * as gen from "./index.js";
import type { MessageContext } from "kefgen/runtime";
declare const kafka: { brokers: string[] };
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const exactly = <A, B>(_proof: Equal<A, B>): void => undefined;
const ok = {
  orders: (m: gen.User, c: MessageContext<string | null>) => { void m.name; void c.key?.toUpperCase(); },
  blobs: (m: gen.User, c: MessageContext<Buffer | null>) => { void m.name; void c.key?.byteLength; },
  anonymous: (m: gen.User, c: MessageContext<null>) => { void m.name; void c.key; },
  users: (m: gen.User | null, c: MessageContext<gen.UserId | null>) => { void m?.name; void c.key?.id; },
  framedUsers: (m: gen.User | null) => { if (m === null) return; void m.email; },
};
void ok;
`;

const snippets = {
  valid: `${header}
    class Users extends gen.UsersConsumer {
      handle(m: gen.User | null, c: MessageContext<gen.UserId | null>) {
        exactly<typeof c.key, gen.UserId | null>(true);
        if (m === null) return;
        void m.name;
      }
    }
    gen.createShopKeysConsumers(kafka, {
      ...ok,
      users: new Users(),
      orders: (m, c) => { exactly<typeof c.key, string | null>(true); exactly<typeof m, gen.User>(true); },
      blobs: (_m, c) => { exactly<typeof c.key, Buffer | null>(true); },
      anonymous: (_m, c) => { exactly<typeof c.key, null>(true); },
      framedUsers: (m, c) => { exactly<typeof m, gen.User | null>(true); exactly<typeof c.key, gen.UserId | null>(true); },
    });`,
  tombstoneIgnored: `${header}
    gen.createShopKeysConsumers(kafka, { ...ok, users: (m) => { void m.name; } });`,
  // TypeScript checks method parameters bivariantly, so `handle(m: gen.User)` in a subclass would compile (a
  // limitation docs/runtime.md states); the declared parameter is User | null, and using it unchecked is an error.
  tombstoneIgnoredInClass: `${header}
    class Users extends gen.UsersConsumer { handle(m: Parameters<gen.UsersConsumer["handle"]>[0]) { void m.name; } }
    void Users;`,
  keyIgnoresNull: `${header}
    gen.createShopKeysConsumers(kafka, { ...ok, orders: (_m, c) => { void c.key.length; } });`,
  keyOfAnotherType: `${header}
    gen.createShopKeysConsumers(kafka, { ...ok, orders: (_m: gen.User, c: MessageContext<gen.UserId | null>) => { void c.key?.id; } });`,
  rawKeyHandlerOnTypedTopic: `${header}
    gen.createShopKeysConsumers(kafka, { ...ok, users: (_m: gen.User | null, c: MessageContext) => { void c.key?.byteLength; } });`,
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

describe("typed keys and tombstones in the generated handler types", () => {
  it("type context.key as declared (string, Buffer, null, the key message) and the message of a tombstones topic as User | null", () => {
    expect(errors.valid).toEqual([]);
  });

  it("reject a handler that ignores null on a tombstones topic (function and consumer class)", () => {
    expect(errors.tombstoneIgnored.join("\n")).toMatch(/TS18047:[\s\S]*'m' is possibly 'null'/);
    expect(errors.tombstoneIgnoredInClass.join("\n")).toMatch(/TS18047:[\s\S]*'m' is possibly 'null'/);
  });

  it("reject a handler that ignores a missing key", () => {
    expect(errors.keyIgnoresNull.join("\n")).toMatch(/TS18047:[\s\S]*'c.key' is possibly 'null'/);
  });

  it("reject a handler for another key type, or for the raw key on a topic with a typed key", () => {
    expect(errors.keyOfAnotherType.join("\n")).toMatch(/TS2322:[\s\S]*UserId/);
    expect(errors.rawKeyHandlerOnTypedTopic.join("\n")).toMatch(/TS2322:[\s\S]*Buffer/);
  });
});
