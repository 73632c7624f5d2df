// A development schema registry: the subset of Confluent Schema Registry's REST API that kefgen's runtime, its
// tests and the demo use, kept in memory. It is NOT a production registry (no persistence, no auth, no cluster,
// no schema references, Avro only). Real registries (Confluent's, Karapace, Apicurio) could not be installed
// from the package registries on the project's machines; see README "Schema registry".
//
//   GET  /schemas/ids/{id}                         → { schema }
//   GET  /schemas/ids/{id}/versions                → [{ subject, version }]
//   GET  /subjects                                 → [subject]
//   GET  /subjects/{s}/versions                    → [version]
//   GET  /subjects/{s}/versions/{latest|n}         → { subject, id, version, schema }
//   POST /subjects/{s}/versions                    → { id }   (the same schema always gets the same id)
//   POST /subjects/{s}                             → { subject, id, version, schema }: the schema's version under s (lookup)
//   POST /compatibility/subjects/{s}/versions/{latest|n}[?verbose=true] → { is_compatible[, messages] }
//
// Its compatibility level is always BACKWARD (the new schema reads data written with the latest), Confluent's default,
// judged by kefgen's rules (generator/compat.ts), which are Java Avro's SchemaCompatibility (the rules Confluent's
// registry uses; test/generator/compat-java.test.ts holds them equal). avsc's resolver would not do: it refuses a
// changed namespace, which Java accepts.
//
// Errors are `{ error_code, message }` with Confluent's codes: 40401 subject not found, 40402 version not found,
// 40403 schema not found, 42201 invalid schema, 42202 invalid version, 409 incompatible schema, 404/405 otherwise.
// Responses use the content type application/vnd.schemaregistry.v1+json.
//
// Run it: `npx tsx scripts/registry/server.ts [--port 8081]`; tests use `startDevRegistry()`.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import avro from "avsc";
import { compare } from "../../generator/compat.js";
import { schemaSide } from "../../generator/schema-side.js";

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

interface Version {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The registry's state: schemas by id, subjects' version lists. Survives a stop/start of the HTTP server. */
export class RegistryStore {
  private readonly schemas: string[] = [];
  private readonly idsByText = new Map<string, number>();
  private readonly subjects = new Map<string, Version[]>();

  /** Registers `schema` under `subject`; the same schema text (after JSON normalisation) keeps its id. */
  register(subject: string, schema: string): Version {
    const text = normalise(schema);
    let id = this.idsByText.get(text);
    if (id === undefined) {
      this.schemas.push(text);
      id = this.schemas.length;
      this.idsByText.set(text, id);
    }
    const versions = this.subjects.get(subject) ?? [];
    const existing = versions.find((v) => v.id === id);
    if (existing) return existing;
    const version: Version = { subject, version: versions.length + 1, id };
    versions.push(version);
    this.subjects.set(subject, versions);
    return version;
  }

  schema(id: number): string {
    const text = this.schemas[id - 1];
    if (text === undefined) throw new HttpError(404, 40403, `Schema ${id} not found`);
    return text;
  }

  versionsOfId(id: number): Version[] {
    this.schema(id);
    return [...this.subjects.values()].flat().filter((v) => v.id === id);
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }

  versions(subject: string): Version[] {
    const versions = this.subjects.get(subject);
    if (!versions) throw new HttpError(404, 40401, `Subject '${subject}' not found.`);
    return versions;
  }

  version(subject: string, which: string): Version {
    const versions = this.versions(subject);
    if (which === "latest" || which === "-1") return versions[versions.length - 1]!;
    if (!/^[1-9][0-9]*$/.test(which))
      throw new HttpError(422, 42202, `The specified version '${which}' is not a valid version id.`);
    const found = versions.find((v) => v.version === Number(which));
    if (!found) throw new HttpError(404, 40402, `Version ${which} not found.`);
    return found;
  }
}

function normalise(schema: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schema);
  } catch (error) {
    throw new HttpError(422, 42201, `Invalid schema: ${(error as Error).message}`);
  }
  try {
    avro.Type.forSchema(parsed as avro.Schema);
  } catch (error) {
    throw new HttpError(422, 42201, `Invalid schema: ${(error as Error).message}`);
  }
  return JSON.stringify(parsed);
}

/**
 * BACKWARD: why `reader` (the new schema) cannot read data written with `writer` (the latest registered one); empty
 * when it can. Both were checked by `normalise`.
 */
function backwardProblems(reader: string, writer: string): string[] {
  let sides: [ReturnType<typeof schemaSide>, ReturnType<typeof schemaSide>];
  try {
    sides = [schemaSide(JSON.parse(reader), "new.avsc"), schemaSide(JSON.parse(writer), "old.avsc")];
  } catch {
    // Valid Avro (normalise checked it) that kefgen's schema reader refuses (e.g. names kefgen cannot generate
    // code for): judged by avsc's resolver instead, as before.
    try {
      avro.Type.forSchema(JSON.parse(reader) as avro.Schema).createResolver(
        avro.Type.forSchema(JSON.parse(writer) as avro.Schema),
      );
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  return compare(...sides).map((i) => `${i.path}: ${i.reason}`);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.length === 0) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(422, 42201, "Invalid request body: not JSON"));
      }
    });
  });
}

function schemaOf(body: unknown): string {
  const b = body as { schema?: unknown; schemaType?: unknown; references?: unknown };
  if (typeof b?.schema !== "string")
    throw new HttpError(422, 42201, 'Invalid schema: the body needs a "schema" string');
  if (b.schemaType !== undefined && b.schemaType !== "AVRO")
    throw new HttpError(
      422,
      42201,
      `Invalid schema: schemaType ${String(b.schemaType)} is not supported by the development registry`,
    );
  if (Array.isArray(b.references) && b.references.length > 0)
    throw new HttpError(422, 42201, "Invalid schema: schema references are not supported by the development registry");
  return b.schema;
}

async function route(store: RegistryStore, req: http.IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://registry");
  const parts = url.pathname
    .split("/")
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  const method = req.method ?? "GET";
  const [a, b, c, d, e] = parts;
  if (method === "GET" && a === "schemas" && b === "ids" && c !== undefined && /^[0-9]+$/.test(c)) {
    const id = Number(c);
    if (parts.length === 3) return { schema: store.schema(id) };
    if (parts.length === 4 && d === "versions")
      return store.versionsOfId(id).map((v) => ({ subject: v.subject, version: v.version }));
  }
  if (method === "GET" && a === "subjects" && parts.length === 1) return store.subjectNames();
  if (method === "POST" && a === "subjects" && b !== undefined && parts.length === 2) {
    const text = normalise(schemaOf(await readBody(req)));
    const found = store.versions(b).find((v) => store.schema(v.id) === text);
    if (!found) throw new HttpError(404, 40403, "Schema not found");
    return { subject: found.subject, id: found.id, version: found.version, schema: text };
  }
  if (a === "subjects" && b !== undefined && c === "versions") {
    if (method === "GET" && parts.length === 3) return store.versions(b).map((v) => v.version);
    if (method === "GET" && parts.length === 4) {
      const v = store.version(b, d!);
      return { subject: v.subject, id: v.id, version: v.version, schema: store.schema(v.id) };
    }
    if (method === "POST" && parts.length === 3) {
      const schema = schemaOf(await readBody(req));
      const versions = store.versions.bind(store);
      let latest: Version | undefined;
      try {
        const list = versions(b);
        latest = list[list.length - 1];
      } catch {
        latest = undefined;
      }
      const text = normalise(schema);
      // A schema already registered under the subject gets its version back without a compatibility check.
      const registered = latest ? store.versions(b).find((v) => store.schema(v.id) === text) : undefined;
      if (registered)
        return { id: registered.id, subject: registered.subject, version: registered.version, schema: text };
      if (latest && store.schema(latest.id) !== text) {
        const problems = backwardProblems(text, store.schema(latest.id));
        if (problems.length > 0)
          throw new HttpError(
            409,
            409,
            `Schema being registered is incompatible with an earlier schema for subject "${b}": ${problems.join("; ")}`,
          );
      }
      const v = store.register(b, schema);
      return { id: v.id, subject: v.subject, version: v.version, schema: store.schema(v.id) };
    }
  }
  if (
    method === "POST" &&
    a === "compatibility" &&
    b === "subjects" &&
    c !== undefined &&
    d === "versions" &&
    e !== undefined &&
    parts.length === 5
  ) {
    const schema = normalise(schemaOf(await readBody(req)));
    const against = store.version(c, e);
    const problems = backwardProblems(schema, store.schema(against.id));
    // Like Confluent's: the reasons only when asked for (?verbose=true).
    if (url.searchParams.get("verbose") !== "true") return { is_compatible: problems.length === 0 };
    return { is_compatible: problems.length === 0, messages: problems };
  }
  throw new HttpError(404, 404, `HTTP 404 Not Found: ${method} ${url.pathname}`);
}

/** A running development registry. */
export interface DevRegistry {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  readonly store: RegistryStore;
  /** Requests answered so far (tests check that the client caches). */
  readonly requests: number;
  /** Stops listening (open connections are closed); the store is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same store. */
  start(): Promise<void>;
}

/** Starts a development registry on `port` (0: a free port, which later restarts keep). */
export async function startDevRegistry(
  options: { port?: number; host?: string; store?: RegistryStore } = {},
): Promise<DevRegistry> {
  const store = options.store ?? new RegistryStore();
  const host = options.host ?? "127.0.0.1";
  let requests = 0;
  let server: http.Server | undefined;
  let port = options.port ?? 0;
  const listen = async (): Promise<void> => {
    const s = http.createServer((req, res) => {
      requests++;
      route(store, req).then(
        (body) => {
          res.writeHead(200, { "content-type": CONTENT_TYPE });
          res.end(JSON.stringify(body));
        },
        (error: unknown) => {
          const e =
            error instanceof HttpError
              ? error
              : new HttpError(500, 50001, `Error in the backend data store: ${(error as Error).message}`);
          res.writeHead(e.status, { "content-type": CONTENT_TYPE });
          res.end(JSON.stringify({ error_code: e.errorCode, message: e.message }));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, host, () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await listen();
  return {
    get url() {
      return `http://${host}:${port}`;
    },
    get port() {
      return port;
    },
    store,
    get requests() {
      return requests;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    async start() {
      if (!server) await listen();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const i = process.argv.indexOf("--port");
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8081;
  const registry = await startDevRegistry({ port, host: process.env["KEFGEN_REGISTRY_HOST"] ?? "127.0.0.1" });
  console.log(`development schema registry (not for production) listening on ${registry.url}`);
}
