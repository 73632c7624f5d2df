// The development registry (scripts/registry/server.ts): the Confluent REST subset kefgen uses, with Confluent's
// error codes and content type, and a stop/start on the same port for outage tests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; type: string | null; json: any }> {
  const response = await fetch(registry.url + path, {
    method,
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, type: response.headers.get("content-type"), json: await response.json() };
}

const v1 = JSON.stringify({ type: "record", name: "R", fields: [{ name: "a", type: "int" }] });
const v2 = JSON.stringify({
  type: "record",
  name: "R",
  fields: [
    { name: "a", type: "int" },
    { name: "b", type: "string", default: "" },
  ],
});
const breaking = JSON.stringify({
  type: "record",
  name: "R",
  fields: [
    { name: "a", type: "int" },
    { name: "c", type: "string" },
  ],
});

describe("development schema registry", () => {
  it("registers, returns the same id for the same schema, and serves schemas by id and subjects by version", async () => {
    const first = await call("POST", "/subjects/orders-value/versions", { schema: v1 });
    expect(first.status).toBe(200);
    expect(first.type).toBe("application/vnd.schemaregistry.v1+json");
    const again = await call("POST", "/subjects/orders-value/versions", { schema: ` ${v1}`, schemaType: "AVRO" });
    expect(again.json.id).toBe(first.json.id);
    const other = await call("POST", "/subjects/other-value/versions", { schema: v1 });
    expect(other.json.id).toBe(first.json.id);
    const second = await call("POST", "/subjects/orders-value/versions", { schema: v2 });
    expect(second.json).toMatchObject({ version: 2 });
    expect(second.json.id).not.toBe(first.json.id);
    expect((await call("GET", `/schemas/ids/${first.json.id}`)).json).toEqual({ schema: v1 });
    expect((await call("GET", "/subjects/orders-value/versions/latest")).json).toEqual({
      subject: "orders-value",
      id: second.json.id,
      version: 2,
      schema: v2,
    });
    expect((await call("GET", "/subjects/orders-value/versions/1")).json.id).toBe(first.json.id);
    expect((await call("GET", `/schemas/ids/${first.json.id}/versions`)).json).toEqual([
      { subject: "orders-value", version: 1 },
      { subject: "other-value", version: 1 },
    ]);
  });

  it("answers compatibility (BACKWARD) and refuses an incompatible registration with 409", async () => {
    await call("POST", "/subjects/compat-value/versions", { schema: v1 });
    expect((await call("POST", "/compatibility/subjects/compat-value/versions/latest", { schema: v2 })).json).toEqual({
      is_compatible: true,
    });
    const no = await call("POST", "/compatibility/subjects/compat-value/versions/latest", { schema: breaking });
    expect(no.json).toEqual({ is_compatible: false });
    // With ?verbose=true, as Confluent's, it says why.
    const why = await call("POST", "/compatibility/subjects/compat-value/versions/latest?verbose=true", {
      schema: breaking,
    });
    expect(why.json.is_compatible).toBe(false);
    expect(why.json.messages.length).toBeGreaterThan(0);
    const refused = await call("POST", "/subjects/compat-value/versions", { schema: breaking });
    expect(refused.status).toBe(409);
    expect(refused.json.error_code).toBe(409);
  });

  it("uses Confluent's error codes", async () => {
    expect((await call("GET", "/schemas/ids/987654")).json.error_code).toBe(40403);
    expect((await call("GET", "/subjects/nope/versions/latest")).json.error_code).toBe(40401);
    expect((await call("GET", "/subjects/orders-value/versions/99")).json.error_code).toBe(40402);
    const invalid = await call("POST", "/subjects/x-value/versions", { schema: '{"type": "record"}' });
    expect([invalid.status, invalid.json.error_code]).toEqual([422, 42201]);
    expect(typeof invalid.json.message).toBe("string");
    expect((await call("POST", "/compatibility/subjects/nope/versions/latest", { schema: v1 })).json.error_code).toBe(
      40401,
    );
  });

  it("stops and starts again on the same port, keeping its schemas", async () => {
    const { id } = registry.store.register("keep-value", v1);
    const port = registry.port;
    await registry.stop();
    await expect(fetch(`${registry.url}/schemas/ids/${id}`)).rejects.toThrow();
    await registry.start();
    expect(registry.port).toBe(port);
    expect((await call("GET", `/schemas/ids/${id}`)).json).toEqual({ schema: v1 });
  });
});
