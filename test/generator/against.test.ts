// `kefgen check --against <git-ref>` and `build --against`: a temporary git repository holds v1 of a project,
// the working tree v2; every breaking schema change is a coded diagnostic at the schema node it concerns.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runKefgen } from "../support/cli.js";

let dir: string;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

function git(...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=kefgen", "-c", "user.email=kefgen@example.com", "-c", "commit.gpgsign=false", ...args],
    { cwd: dir, encoding: "utf8" },
  );
}

function commit(message: string): void {
  git("add", "-A");
  git("commit", "-q", "-m", message);
}

/** The first line of each diagnostic: `file:line:col - severity CODE: message`. */
function headlines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => / - (error|warning) KEF\d{4}: /.test(l));
}

const schema = (fields: unknown[], extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ type: "record", name: "OrderCreated", namespace: "shop", ...extra, fields }, null, 2)}\n`;
const kef = (...lines: string[]) => `${lines.join("\n")}\n`;
const shop = kef(
  'message OrderCreated from "order.avsc"',
  'shared { groupId = "shop" }',
  'topic "orders" : OrderCreated',
);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-against-"));
  git("init", "-q");
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("check --against", () => {
  it("reports every breaking change at its field or symbol, BACKWARD and FORWARD, in the .avsc and in inline schemas", async () => {
    const item = (priceType: string) => ({
      type: "array",
      items: { type: "record", name: "Item", fields: [{ name: "price", type: priceType }] },
    });
    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "qty", type: "int" },
        { name: "suit", type: { type: "enum", name: "Suit", symbols: ["SPADES", "HEARTS", "CLUBS"] } },
        { name: "hash", type: { type: "fixed", name: "Hash", size: 16 } },
        { name: "note", type: ["null", "string", "long"], default: null },
        { name: "items", type: item("long") },
        { name: "customer", type: { type: "record", name: "Customer", fields: [{ name: "name", type: "string" }] } },
      ]),
    );
    const refund = (amount: string) =>
      `message Refund avro { "type": "record", "name": "Refund", "fields": [ { "name": "amount", "type": "${amount}" } ] }`;
    write(
      "kef/shop.kef",
      kef(
        refund("int"),
        'message OrderCreated from "order.avsc"',
        'shared { groupId = "shop" }',
        'topic "orders" : OrderCreated',
        'topic "refunds" : Refund',
      ),
    );
    commit("v1");
    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "tag", type: "string" },
        { name: "suit", type: { type: "enum", name: "Suit", symbols: ["SPADES", "HEARTS", "DIAMONDS"] } },
        { name: "hash", type: { type: "fixed", name: "Hash", size: 32 } },
        { name: "note", type: ["null", "string", "boolean"], default: null },
        { name: "items", type: item("int") },
        { name: "customer", type: { type: "record", name: "Client", fields: [{ name: "name", type: "string" }] } },
      ]),
    );
    write(
      "kef/shop.kef",
      kef(
        refund("string"),
        'message OrderCreated from "order.avsc"',
        'shared { groupId = "shop" }',
        'topic "orders" : OrderCreated',
        'topic "refunds" : Refund',
      ),
    );

    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(r.exitCode).toBe(1);
    const o = `"OrderCreated"`;
    const back = (what: string) =>
      `the new schema of ${what} cannot read records written with the one in HEAD (BACKWARD)`;
    const fwd = (what: string) =>
      `the schema of ${what} in HEAD cannot read records written with the new one (FORWARD)`;
    expect(headlines(r.stderr)).toEqual([
      `kef/order.avsc:1:1 - error KEF3016: OrderCreated.qty: field "qty" was removed, and the old schema has no default for it: ${fwd(o)}`,
      `kef/order.avsc:10:5 - error KEF3015: OrderCreated.tag: field "tag" was added without a default: ${back(o)}`,
      `kef/order.avsc:16:15 - error KEF3020: OrderCreated.suit: enum symbol "CLUBS" removed, and the new enum has no default: ${back(o)}`,
      `kef/order.avsc:22:11 - error KEF3021: OrderCreated.suit: enum symbol "DIAMONDS" added, and the old enum has no default: ${fwd(o)}`,
      `kef/order.avsc:28:15 - error KEF3019: OrderCreated.hash: a fixed size changed (the old fixed "shop.Hash" has 16 bytes, the new 32): ${back(o)}`,
      `kef/order.avsc:28:15 - error KEF3019: OrderCreated.hash: a fixed size changed (the new fixed "shop.Hash" has 32 bytes, the old 16): ${fwd(o)}`,
      `kef/order.avsc:34:5 - error KEF3022: OrderCreated.note: a union lost a branch (the old union branch long is not in the new union [null, string, boolean]): ${back(o)}`,
      `kef/order.avsc:34:5 - error KEF3023: OrderCreated.note: a union gained a branch (the new union branch boolean is not in the old union [null, string, long]): ${fwd(o)}`,
      `kef/order.avsc:51:13 - error KEF3017: OrderCreated.items[].price: the type changed (the old long cannot be read as int): ${back(o)}`,
      `kef/order.avsc:61:15 - error KEF3018: OrderCreated.customer: a named type was renamed (the old record "shop.Customer" is not the new "shop.Client" (names differ and no new alias names "shop.Customer")): ${back(o)}`,
      `kef/order.avsc:61:15 - error KEF3018: OrderCreated.customer: a named type was renamed (the new record "shop.Client" is not the old "shop.Customer" (names differ and no old alias names "shop.Client")): ${fwd(o)}`,
      `kef/shop.kef:1:71 - error KEF3017: Refund.amount: the type changed (the old int cannot be read as string): ${back(`"Refund"`)}`,
      `kef/shop.kef:1:71 - error KEF3017: Refund.amount: the type changed (the new string cannot be read as int): ${fwd(`"Refund"`)}`,
      `kef/shop.kef:4:7 - warning KEF3038: topic "orders" is bare Avro, and the schema of "OrderCreated" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
      `kef/shop.kef:5:7 - warning KEF3038: topic "refunds" is bare Avro, and the schema of "Refund" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
    ]);
    // A code frame under the new schema's node, a hint, and where it was in HEAD.
    expect(r.stderr).toContain(
      [
        `kef/order.avsc:10:5 - error KEF3015: OrderCreated.tag: field "tag" was added without a default: ${back(o)}`,
        "",
        "10     {",
        "       ^",
        `  hint: give the field a default, e.g. "default": null with a ["null", ...] type`,
        "  HEAD:kef/order.avsc:1:1: as it is in HEAD",
      ].join("\n"),
    );
    // The removed symbol, where it was.
    expect(r.stderr).toContain(
      `  hint: keep the symbol, or give the enum a "default" symbol for readers to use\n  HEAD:kef/order.avsc:22:11: as it is in HEAD`,
    );
    expect(r.stderr.trimEnd().endsWith("13 errors, 2 warnings")).toBe(true);
  });

  it("passes a compatible change with only the bare-Avro warning, and says nothing when the schema did not change", async () => {
    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "suit", type: { type: "enum", name: "Suit", symbols: ["A", "UNKNOWN"], default: "UNKNOWN" } },
      ]),
    );
    write("kef/shop.kef", shop);
    commit("v1");
    // Only docs and defaults: the same data on the wire.
    write(
      "kef/order.avsc",
      schema(
        [
          { name: "id", type: "string", doc: "the order id" },
          { name: "suit", type: { type: "enum", name: "Suit", symbols: ["A", "UNKNOWN"], default: "UNKNOWN" } },
        ],
        { doc: "v1.1" },
      ),
    );
    const same = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(same).toMatchObject({ exitCode: 0, stderr: "", stdout: "kef/shop.kef: ok\n" });

    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "qty", type: "long", default: 1 },
        { name: "suit", type: { type: "enum", name: "Suit", symbols: ["A", "UNKNOWN", "B"], default: "UNKNOWN" } },
      ]),
    );
    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(r.exitCode).toBe(0);
    expect(headlines(r.stderr)).toEqual([
      `kef/shop.kef:3:7 - warning KEF3038: topic "orders" is bare Avro, and the schema of "OrderCreated" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
    ]);
    expect(r.stdout).toBe("kef/shop.kef: ok\n");
  });

  it("treats a new message as no break, warns about a removed one, and checks a topic whose message type changed", async () => {
    const inline = (name: string, fields: string) =>
      `message ${name} avro { "type": "record", "name": "${name}", "fields": [ ${fields} ] }`;
    write(
      "kef/shop.kef",
      kef(
        inline("OrderV1", '{ "name": "id", "type": "string" }'),
        inline("Refund", '{ "name": "id", "type": "string" }'),
        'shared { groupId = "shop" }',
        'topic "orders" : OrderV1',
      ),
    );
    commit("v1");
    write(
      "kef/shop.kef",
      kef(
        inline("OrderV2", '{ "name": "id", "type": "string" }, { "name": "qty", "type": "int" }'),
        'shared { groupId = "shop" }',
        'topic "orders" : OrderV2',
      ),
    );
    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(headlines(r.stderr)).toEqual([
      `HEAD:kef/shop.kef:1:9 - warning KEF3037: message "OrderV1" was removed since HEAD: nothing checks what producers of its topics still write`,
      `HEAD:kef/shop.kef:2:9 - warning KEF3037: message "Refund" was removed since HEAD: nothing checks what producers of its topics still write`,
      // The records of "orders" were written as OrderV1: the names differ, and the field has no default.
      `kef/shop.kef:1:22 - error KEF3018: OrderV2: a named type was renamed (the old record "OrderV1" is not the new "OrderV2" (names differ and no new alias names "OrderV1")): the new schema of "OrderV2" (was "OrderV1" on the same topic) cannot read records written with the one in HEAD (BACKWARD)`,
      `kef/shop.kef:1:22 - error KEF3018: OrderV2: a named type was renamed (the new record "OrderV2" is not the old "OrderV1" (names differ and no old alias names "OrderV2")): the schema of "OrderV2" (was "OrderV1" on the same topic) in HEAD cannot read records written with the new one (FORWARD)`,
      `kef/shop.kef:3:7 - warning KEF3038: topic "orders" is bare Avro, and the schema of "OrderV2" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
    ]);
    // The old file's text is shown under its old name.
    expect(r.stderr).toContain("2 message Refund avro");
  });

  it("checks every member of a multi-type topic: a changed later member is warned about, reordered members are no break, a renamed member is checked against its record's old schema, and a Confluent topic is not bare Avro", async () => {
    const member = (name: string, fields: string) =>
      `message ${name} avro { "type": "record", "name": "${name}", "namespace": "shop", "fields": [ ${fields} ] }`;
    const id = '{ "name": "id", "type": "string" }';
    const project = (members: string, cancelledFields: string) =>
      kef(
        member("Created", `${id}, { "name": "total", "type": "long" }`),
        member("Cancelled", cancelledFields),
        member("Shipped", `${id}, { "name": "carrier", "type": "string" }`),
        'registry main { url = "http://localhost:8081" }',
        'shared { groupId = "shop" }',
        `topic "orders" : ${members}`,
        `topic "framed" : ${members} { route = schema consumer { format = confluent registry = main } }`,
      );
    write("kef/shop.kef", project("Created | Cancelled | Shipped", id));
    commit("v1");
    // The second member gains a field with a default (compatible both ways), and the members are listed in another order.
    write(
      "kef/shop.kef",
      project(
        "Shipped | Created | Cancelled",
        `${id}, { "name": "reason", "type": ["null", "string"], "default": null }`,
      ),
    );
    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(r.exitCode).toBe(0);
    // One warning, at the changed member of the bare-Avro topic; the Confluent-framed topic names its writer schemas.
    expect(headlines(r.stderr)).toEqual([
      `kef/shop.kef:6:38 - warning KEF3038: topic "orders" is bare Avro, and the schema of "Cancelled" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
    ]);

    // A member's message renamed in the .kef (its record still shop.Shipped) and given a field without a default: the
    // topics' old records are shop.Shipped's, so the new member is checked against the old one of the same record.
    write(
      "kef/shop.kef",
      project("Created | Cancelled | Shipped", id)
        .replace(/\bShipped\b(?!")/g, "Dispatched")
        .replace(
          '"type": "string" } ] }\nregistry',
          '"type": "string" }, { "name": "eta", "type": "long" } ] }\nregistry',
        ),
    );
    const renamed = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(renamed.exitCode).toBe(1);
    expect(headlines(renamed.stderr)).toEqual([
      `HEAD:kef/shop.kef:3:9 - warning KEF3037: message "Shipped" was removed since HEAD: nothing checks what producers of its topics still write`,
      `kef/shop.kef:3:174 - error KEF3015: Dispatched.eta: field "eta" was added without a default: the new schema of "Dispatched" (was "Shipped" on the same topic) cannot read records written with the one in HEAD (BACKWARD)`,
      `kef/shop.kef:6:40 - warning KEF3038: topic "orders" is bare Avro, and the schema of "Dispatched" changed since HEAD: a bare-Avro reader cannot tell records written with the old schema from new ones`,
    ]);
  });

  it("is quiet about a namespace change the runtime resolves, and warns when a simple-name clash stops it", async () => {
    const other = {
      name: "note",
      type: { type: "record", name: "OrderCreated", namespace: "legacy", fields: [{ name: "n", type: "int" }] },
    };
    write("kef/order.avsc", schema([{ name: "id", type: "string" }]));
    write("kef/shop.kef", shop);
    commit("v1");
    // Moved, and no other named type is called OrderCreated: the runtime matches it by its simple name, as Avro does.
    write("kef/order.avsc", schema([{ name: "id", type: "string" }], { namespace: "shop.v2" }));
    const moved = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(moved.exitCode).toBe(0);
    expect(headlines(moved.stderr).map((l) => l.match(/KEF\d{4}/)![0])).toEqual(["KEF3038"]);
    // Moved while "legacy.OrderCreated" shares its simple name: the runtime matches full names and aliases only.
    write("kef/order.avsc", schema([{ name: "id", type: "string" }, other]));
    commit("v2");
    write("kef/order.avsc", schema([{ name: "id", type: "string" }, other], { namespace: "shop.v2" }));
    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(r.exitCode).toBe(0);
    expect(headlines(r.stderr)[0]).toBe(
      `kef/order.avsc:1:1 - warning KEF3039: record "shop.OrderCreated" moved to "shop.v2.OrderCreated" since HEAD: Avro's rules match names without their namespace, but the runtime does so only when no two named types of the reader share a simple name, and "shop.v2.OrderCreated" and "legacy.OrderCreated" do`,
    );
    expect(r.stderr).toContain(`hint: add "aliases": ["shop.OrderCreated"] to "shop.v2.OrderCreated"`);
    write(
      "kef/order.avsc",
      schema([{ name: "id", type: "string" }, other], { namespace: "shop.v2", aliases: ["shop.OrderCreated"] }),
    );
    const aliased = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(headlines(aliased.stderr).map((l) => l.match(/KEF\d{4}/)![0])).toEqual(["KEF3038"]);
  });

  it("resolves paths from the repository's top level when run from a subdirectory with a config, and against older commits", async () => {
    write("svc/kefgen.config.json", JSON.stringify({ files: ["kef/*.kef"], out: "gen" }));
    write("svc/kef/schemas/order.avsc", schema([{ name: "id", type: "string" }]));
    write("svc/kef/shop.kef", shop.replace('"order.avsc"', '"schemas/order.avsc"'));
    commit("v1");
    write(
      "svc/kef/schemas/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "qty", type: "int" },
      ]),
    );
    commit("v2");
    const r = await runKefgen(path.join(dir, "svc"), ["check", "--against", "HEAD~1"]);
    expect(headlines(r.stderr)[0]).toBe(
      `kef/schemas/order.avsc:10:5 - error KEF3015: OrderCreated.qty: field "qty" was added without a default: the new schema of "OrderCreated" cannot read records written with the one in HEAD~1 (BACKWARD)`,
    );
    expect(r.stderr).toContain("HEAD~1:kef/schemas/order.avsc:1:1: as it is in HEAD~1");
    // Against HEAD, nothing changed.
    expect(await runKefgen(path.join(dir, "svc"), ["check", "--against", "HEAD"])).toMatchObject({
      exitCode: 0,
      stderr: "",
    });
  });

  it("checks nothing for a .kef file that did not exist at the ref", async () => {
    write("README", "x\n");
    commit("v1");
    write("kef/order.avsc", schema([{ name: "id", type: "string" }]));
    write("kef/shop.kef", shop);
    expect(await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"])).toMatchObject({
      exitCode: 0,
      stderr: "",
    });
  });

  it("warns, and compares nothing, when the project had errors at the ref", async () => {
    write(
      "kef/shop.kef",
      kef('message OrderCreated from "missing.avsc"', 'shared { groupId = "shop" }', 'topic "orders" : OrderCreated'),
    );
    commit("v1");
    write("kef/order.avsc", schema([{ name: "id", type: "string" }]));
    write("kef/shop.kef", shop);
    const r = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(r.exitCode).toBe(0);
    expect(headlines(r.stderr)).toEqual([
      `kef/shop.kef:1:1 - warning KEF4022: cannot check against HEAD: the project has errors there (first: HEAD:kef/shop.kef:1:27 KEF3002 schema file "missing.avsc" not found)`,
    ]);
  });

  it("gives a coded error for an unknown ref, an option-like ref, a failing git, and outside a git repository", async () => {
    write("kef/order.avsc", schema([{ name: "id", type: "string" }]));
    write("kef/shop.kef", shop);
    commit("v1");
    for (const ref of ["no-such-branch", "--output=/tmp/x"]) {
      const r = await runKefgen(dir, ["check", "kef/shop.kef", `--against=${ref}`]);
      expect(r.exitCode).toBe(1);
      expect(headlines(r.stderr)).toEqual([`kef/shop.kef:1:1 - error KEF4021: git ref "${ref}" not found`]);
    }
    // A schema file whose object is missing from the repository: git fails, and says so.
    const blob = git("rev-parse", "HEAD:kef/order.avsc").trim();
    fs.rmSync(path.join(dir, ".git/objects", blob.slice(0, 2), blob.slice(2)), { force: true });
    const corrupt = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(corrupt.exitCode).toBe(1);
    expect(headlines(corrupt.stderr)).toEqual([
      `kef/shop.kef:1:1 - error KEF4023: --against HEAD: git failed: fatal: bad object ${git("rev-parse", "HEAD").trim()}:kef/order.avsc`,
    ]);
    fs.rmSync(path.join(dir, ".git"), { recursive: true, force: true });
    const outside = await runKefgen(dir, ["check", "kef/shop.kef", "--against", "HEAD"]);
    expect(outside.exitCode).toBe(1);
    expect(headlines(outside.stderr)).toEqual([
      `kef/shop.kef:1:1 - error KEF4020: --against HEAD: kef/shop.kef is not in a git repository`,
    ]);
  });
});

describe("build --against", () => {
  it("writes nothing when a change breaks, and builds when it does not", async () => {
    write("kef/order.avsc", schema([{ name: "id", type: "string" }]));
    write("kef/shop.kef", shop);
    commit("v1");
    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "qty", type: "int" },
      ]),
    );
    const broken = await runKefgen(dir, ["build", "kef/shop.kef", "--out", "gen", "--against", "HEAD"]);
    expect(broken.exitCode).toBe(1);
    expect(headlines(broken.stderr).map((l) => l.match(/KEF\d{4}/)![0])).toEqual(["KEF3015", "KEF3038"]);
    expect(fs.existsSync(path.join(dir, "gen"))).toBe(false);
    write(
      "kef/order.avsc",
      schema([
        { name: "id", type: "string" },
        { name: "qty", type: "int", default: 0 },
      ]),
    );
    const ok = await runKefgen(dir, ["build", "kef/shop.kef", "--out", "gen", "--against", "HEAD"]);
    expect(ok.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dir, "gen/messages.ts"))).toBe(true);
  });
});
