// `kefgen registry check` against the development registry (scripts/registry/server.ts): the verdicts on the table of
// schema changes (fixtures/compat/changes.json, which Java Avro's SchemaCompatibility agrees with), and what the
// command prints — text and json, an unregistered subject, an unreachable registry, refused credentials, --registry.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { runKefgen } from "../support/cli.js";
import { changes } from "../support/compat-table.js";

let dir: string;
let registry: DevRegistry;

beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-registry-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const order = (fields: object[]) =>
  JSON.stringify({
    type: "record",
    name: "Order",
    namespace: "shop",
    fields: [{ name: "id", type: "string" }, ...fields],
  });

/** A .kef reading `topic` framed from registry `main` at `url`, with the message schema `schema`. */
function kef(file: string, url: string, topic: string, schema: string, extra = ""): string {
  fs.writeFileSync(path.join(dir, "order.avsc"), `${JSON.stringify(JSON.parse(schema), null, 2)}\n`);
  const text = `registry main { url = "${url}" ${extra} }\n\nmessage Order from "order.avsc"\n\nshared { groupId = "g"  format = confluent }\n\ntopic "${topic}" : Order\n`;
  fs.writeFileSync(path.join(dir, file), text);
  return file;
}

interface JsonReport {
  diagnostics: { code: string; severity: string; message: string; file: string }[];
  subjects: {
    registry: string;
    url: string;
    subject: string;
    part: string;
    topics: string[];
    message: string;
    status: string;
    version?: number;
    id?: number;
    messages?: string[];
  }[];
}

describe("kefgen registry check on the table of schema changes", () => {
  /** Registers `registered` under a fresh subject, runs `kefgen registry check` on a .kef reading it with `checked`. */
  async function verdicts(
    direction: string,
    registered: (c: (typeof changes)[number]) => unknown,
    checked: (c: (typeof changes)[number]) => unknown,
  ) {
    const out: { change: string; compatible: boolean; exitCode: number }[] = [];
    for (const [i, c] of changes.entries()) {
      const topic = `table-${direction}-${i}`;
      registry.store.register(`${topic}-value`, JSON.stringify(registered(c)));
      const file = `${topic}.kef`;
      fs.writeFileSync(path.join(dir, `${topic}.avsc`), JSON.stringify(checked(c), null, 2));
      fs.writeFileSync(
        path.join(dir, file),
        `registry main { url = "${registry.url}" }\nmessage M from "${topic}.avsc"\nshared { groupId = "g"  format = confluent }\ntopic "${topic}" : M\n`,
      );
      const run = await runKefgen(dir, ["registry", "check", file, "--format", "json"]);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(
        report.subjects.map((s) => s.subject),
        c.change,
      ).toEqual([`${topic}-value`]);
      const status = report.subjects[0]!.status;
      expect(["compatible", "incompatible"], `${c.change}: ${run.stdout}`).toContain(status);
      out.push({ change: c.change, compatible: status === "compatible", exitCode: run.exitCode });
    }
    // Both verdicts occur, so neither answer alone could pass.
    expect(new Set(out.map((v) => v.compatible))).toEqual(new Set([true, false]));
    return out;
  }

  it(
    `gives the table's BACKWARD verdict for each of its ${changes.length} changes (old registered, new checked)`,
    { timeout: 120_000 },
    async () => {
      expect(changes.length).toBeGreaterThanOrEqual(20);
      const got = await verdicts(
        "backward",
        (c) => c.old,
        (c) => c.new,
      );
      expect(got).toEqual(
        changes.map((c) => ({ change: c.change, compatible: c.backward, exitCode: c.backward ? 0 : 1 })),
      );
    },
  );

  it(
    "gives the table's FORWARD verdict with the roles swapped (new registered, old checked)",
    { timeout: 120_000 },
    async () => {
      const got = await verdicts(
        "forward",
        (c) => c.new,
        (c) => c.old,
      );
      expect(got).toEqual(
        changes.map((c) => ({ change: c.change, compatible: c.forward, exitCode: c.forward ? 0 : 1 })),
      );
    },
  );
});

describe("kefgen registry check prints", () => {
  it("a compatible subject in text: one line naming subject, version and id; exit 0", async () => {
    const v1 = order([]);
    const { id } = registry.store.register("text-ok-value", v1);
    const file = kef("a.kef", registry.url, "text-ok", order([{ name: "qty", type: "int", default: 1 }]));
    const run = await runKefgen(dir, ["registry", "check", file]);
    expect(run).toEqual({
      exitCode: 0,
      stdout: `text-ok-value (Order, registry "main" (${registry.url})): compatible with version 1 (id ${id})\n1 subject: 1 compatible\n`,
      stderr: "",
    });
  });

  it("an incompatible subject as KEF4030 at the schema, with the registry's reason; exit 1", async () => {
    const { id } = registry.store.register("text-bad-value", order([]));
    registry.store.register("text-bad-value", order([{ name: "note", type: "string", default: "" }]));
    const file = kef("a.kef", registry.url, "text-bad", order([{ name: "qty", type: "int" }]));
    const run = await runKefgen(dir, ["registry", "check", file]);
    expect(run.exitCode).toBe(1);
    const latest = registry.store.version("text-bad-value", "latest");
    expect(latest.id).not.toBe(id);
    expect(run.stderr).toContain(
      `order.avsc:1:1 - error KEF4030: Order is not compatible with version 2 (id ${latest.id}) of subject "text-bad-value" in registry "main" (${registry.url}): `,
    );
    expect(run.stderr).toMatch(/KEF4030: [^\n]*qty/);
    expect(run.stderr).toContain("1 error");
    expect(run.stdout).toBe(
      `text-bad-value (Order, registry "main" (${registry.url})): NOT compatible with version 2 (id ${latest.id})\n1 subject: 1 incompatible\n`,
    );
  });

  it("json: diagnostics and one entry per subject", async () => {
    const { id } = registry.store.register("json-bad-value", order([]));
    const file = kef("a.kef", registry.url, "json-bad", order([{ name: "qty", type: "int" }]));
    const run = await runKefgen(dir, ["registry", "check", file, "--format", "json"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([["KEF4030", "error", "order.avsc"]]);
    expect(report.subjects).toEqual([
      {
        registry: "main",
        url: registry.url,
        subject: "json-bad-value",
        part: "value",
        topics: ["json-bad"],
        message: "Order",
        status: "incompatible",
        version: 1,
        id,
        messages: [expect.stringContaining("qty")],
      },
    ]);
  });

  it("an unregistered subject as the warning KEF4031; exit 0", async () => {
    const file = kef("a.kef", registry.url, "never-registered", order([]));
    const run = await runKefgen(dir, ["registry", "check", file]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      `warning KEF4031: subject "never-registered-value" is not registered in registry "main" (${registry.url})`,
    );
    expect(run.stdout).toBe(
      `never-registered-value (Order, registry "main" (${registry.url})): not registered\n1 subject: 1 unregistered\n`,
    );
  });

  it("key subjects and record-named subjects (subjects = record, topicRecord)", async () => {
    const keySchema = JSON.stringify({
      type: "record",
      name: "OrderKey",
      namespace: "shop",
      fields: [{ name: "id", type: "string" }],
    });
    registry.store.register("shop.Order", order([]));
    registry.store.register("keyed-shop.Order", order([]));
    registry.store.register("keyed-shop.OrderKey", keySchema);
    fs.writeFileSync(path.join(dir, "order.avsc"), order([]));
    fs.writeFileSync(path.join(dir, "key.avsc"), keySchema);
    fs.writeFileSync(
      path.join(dir, "k.kef"),
      `registry main { url = "${registry.url}" }\nmessage Order from "order.avsc"\nmessage OrderKey from "key.avsc"\nshared { groupId = "g"  format = confluent }\n` +
        `topic "by-record" : Order { consumer { subjects = record } }\ntopic "by-record-too" : Order { consumer { subjects = record } }\ntopic "keyed" : Order key OrderKey { consumer { subjects = topicRecord } }\n`,
    );
    const report = JSON.parse(
      (await runKefgen(dir, ["registry", "check", "k.kef", "--format", "json"])).stdout,
    ) as JsonReport;
    expect(report.subjects.map((s) => [s.subject, s.part, s.topics, s.status])).toEqual([
      // One question for the two topics that share a subject and a schema.
      ["shop.Order", "value", ["by-record", "by-record-too"], "compatible"],
      ["keyed-shop.Order", "value", ["keyed"], "compatible"],
      ["keyed-shop.OrderKey", "key", ["keyed"], "compatible"],
    ]);
  });

  it("a multi-type topic: each member's subject, under <topic>-<full name> when it is routed by schema", async () => {
    const member = (name: string) =>
      JSON.stringify({ type: "record", name, namespace: "shop", fields: [{ name: "id", type: "string" }] });
    registry.store.register("routed-shop.Created", member("Created"));
    registry.store.register("routed-shop.Cancelled", member("Cancelled"));
    fs.writeFileSync(path.join(dir, "created.avsc"), member("Created"));
    fs.writeFileSync(path.join(dir, "cancelled.avsc"), member("Cancelled"));
    fs.writeFileSync(
      path.join(dir, "m.kef"),
      `registry main { url = "${registry.url}" }\nmessage Created from "created.avsc"\nmessage Cancelled from "cancelled.avsc"\nshared { groupId = "g"  format = confluent }\n` +
        `topic "routed" : Created | Cancelled { route = schema }\ntopic "by-header" : Created | Cancelled\n`,
    );
    const report = JSON.parse(
      (await runKefgen(dir, ["registry", "check", "m.kef", "--format", "json"])).stdout,
    ) as JsonReport;
    expect(report.subjects.map((s) => [s.subject, s.message, s.status])).toEqual([
      ["routed-shop.Created", "Created", "compatible"],
      ["routed-shop.Cancelled", "Cancelled", "compatible"],
      // Routed by a header, the members share the topic's subject (subjects = topic): two schemas under one subject.
      ["by-header-value", "Created", "unregistered"],
      ["by-header-value", "Cancelled", "unregistered"],
    ]);
  });

  it("an unreachable registry as KEF4032 naming registry and URL; exit 1", async () => {
    const closed = await startDevRegistry();
    const url = closed.url;
    await closed.stop();
    const file = kef("a.kef", url, "nowhere", order([]));
    const run = await runKefgen(dir, ["registry", "check", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`a.kef:1:1 - error KEF4032: registry "main" (${url}) is unreachable: ECONNREFUSED`);
    expect(run.stdout).toBe(`nowhere-value (Order, registry "main" (${url})): not checked\n1 subject: 1 unchecked\n`);
  });

  it("refused credentials as KEF4033, naming the variables and never their values", async () => {
    let authorization: string | undefined;
    const server = http.createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(401, { "content-type": "application/vnd.schemaregistry.v1+json" });
      res.end(JSON.stringify({ error_code: 401, message: "Unauthorized" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const file = kef("a.kef", url, "locked", order([]), 'auth = basic(env("SR_USER"), env("SR_PASSWORD"))');
      const run = await runKefgen(dir, ["registry", "check", file], { SR_USER: "alice", SR_PASSWORD: "s3cret-pw" });
      expect(authorization).toBe(`Basic ${Buffer.from("alice:s3cret-pw").toString("base64")}`);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain(`error KEF4033: registry "main" (${url}) refused the credentials: `);
      expect(run.stderr).toContain("hint: check SR_USER and SR_PASSWORD");
      expect(run.stderr + run.stdout).not.toContain("s3cret-pw");
      expect(run.stderr + run.stdout).not.toContain(authorization!.slice(6));

      const unset = await runKefgen(dir, ["registry", "check", file], { SR_USER: "alice" });
      expect(unset.exitCode).toBe(1);
      expect(unset.stderr).toContain(
        'error KEF4035: registry "main": environment variable SR_PASSWORD (its password) is not set: registry "main" was not asked',
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("another error answer as KEF4034 at that subject's schema; the other subjects are still asked", async () => {
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      const refuse = req.url!.includes("refused-value");
      const body =
        req.method === "GET"
          ? { subject: "x", version: 4, id: 9, schema: order([]) }
          : refuse
            ? { error_code: 42201, message: "Invalid schema" }
            : { is_compatible: true };
      res.writeHead(req.method === "POST" && refuse ? 422 : 200, {
        "content-type": "application/vnd.schemaregistry.v1+json",
      });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      fs.writeFileSync(path.join(dir, "order.avsc"), order([]));
      fs.writeFileSync(
        path.join(dir, "e.kef"),
        `registry main { url = "${url}" }\nmessage Order from "order.avsc"\nshared { groupId = "g"  format = confluent }\ntopic "refused" : Order\ntopic "fine" : Order\n`,
      );
      const run = await runKefgen(dir, ["registry", "check", "e.kef"]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain(
        'order.avsc:1:1 - error KEF4034: subject "refused-value": registry "main" answered HTTP 422 for POST /compatibility/subjects/refused-value/versions/latest?verbose=true: Invalid schema',
      );
      expect(run.stdout).toBe(
        `refused-value (Order, registry "main" (${url})): not checked\nfine-value (Order, registry "main" (${url})): compatible with version 4 (id 9)\n2 subjects: 1 compatible, 1 unchecked\n`,
      );
      expect(asked).toEqual([
        "GET /subjects/refused-value/versions/latest",
        "POST /compatibility/subjects/refused-value/versions/latest?verbose=true",
        "GET /subjects/fine-value/versions/latest",
        "POST /compatibility/subjects/fine-value/versions/latest?verbose=true",
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("--registry asks only the registry named; an unknown name is a usage error (exit 2)", async () => {
    const other = await startDevRegistry();
    try {
      registry.store.register("main-topic-value", order([]));
      other.store.register("other-topic-value", order([]));
      fs.writeFileSync(path.join(dir, "order.avsc"), order([]));
      fs.writeFileSync(
        path.join(dir, "two.kef"),
        `registry main { url = "${registry.url}" }\nregistry other { url = "${other.url}" }\nmessage Order from "order.avsc"\nshared { groupId = "g"  format = confluent  registry = main }\n` +
          `topic "main-topic" : Order\ntopic "other-topic" : Order { consumer { registry = other } }\n`,
      );
      const both = JSON.parse(
        (await runKefgen(dir, ["registry", "check", "two.kef", "--format", "json"])).stdout,
      ) as JsonReport;
      expect(both.subjects.map((s) => [s.registry, s.subject, s.status])).toEqual([
        ["main", "main-topic-value", "compatible"],
        ["other", "other-topic-value", "compatible"],
      ]);
      const mainRequests = registry.requests;
      const only = await runKefgen(dir, ["registry", "check", "two.kef", "--registry", "other", "--format", "json"]);
      expect(only.exitCode).toBe(0);
      expect((JSON.parse(only.stdout) as JsonReport).subjects.map((s) => s.subject)).toEqual(["other-topic-value"]);
      expect(registry.requests).toBe(mainRequests);

      const unknown = await runKefgen(dir, ["registry", "check", "two.kef", "--registry", "mian"]);
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stderr).toBe(
        'kefgen: --registry mian: no format = confluent topic reads from a registry of that name (they read from "main", "other")\n(run kefgen --help for usage)\n',
      );
    } finally {
      await other.stop();
    }
  });

  it("a project without framed topics has nothing to check; exit 0", async () => {
    fs.writeFileSync(path.join(dir, "order.avsc"), order([]));
    fs.writeFileSync(
      path.join(dir, "bare.kef"),
      `message Order from "order.avsc"\nshared { groupId = "g" }\ntopic "bare" : Order\n`,
    );
    expect(await runKefgen(dir, ["registry", "check", "bare.kef"])).toEqual({
      exitCode: 0,
      stdout: "no topic is read with format = confluent: nothing to check\n",
      stderr: "",
    });
  });
});
