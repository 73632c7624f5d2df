// SchemaRegistryClient: the little of the Confluent Schema Registry REST API kefgen needs — a writer schema by its id
// (the runtime), a subject's latest version and the registry's own compatibility test (`kefgen registry check`) —
// over Node's own fetch. Schemas by id never change, so each is fetched once per client and kept; concurrent
// misses for one id share one request. A failed request is not kept: the next record asks again.
//
// Why no library: `@confluentinc/schemaregistry` brings AWS, Azure, GCP and Vault SDKs into every install, and
// `@kafkajs/confluent-schema-registry` 4.x declares Node >= 22 (kefgen supports Node 20.19). One GET with a timeout
// is all decoding needs.

/** How a registry is authenticated. Secrets are given by the name of the environment variable that holds them. */
export type RegistryAuthConfig =
  | { readonly kind: "basic"; readonly usernameEnv: string; readonly passwordEnv: string }
  | { readonly kind: "bearer"; readonly tokenEnv: string };

/** A registry as declared in the `.kef` (`registry main { url = "…" }`), as generated code passes it. */
export interface SchemaRegistryConfig {
  /** The registry's name in the `.kef`, for messages. */
  readonly name: string;
  /** Base URL, e.g. `http://localhost:8081`. */
  readonly url?: string;
  /** Name of the environment variable holding the URL (`url = env("SR_URL")`); used when `url` is absent. */
  readonly urlEnv?: string;
  readonly auth?: RegistryAuthConfig;
  /** Time limit of one request in milliseconds (default 10 s); a slow registry counts as unavailable. */
  readonly requestTimeoutMs?: number;
}

/**
 * The registry could not be asked (network error, timeout, HTTP 5xx, 429). Retriable: the runtime waits for it and
 * retries the same record; nothing is skipped.
 */
export class RegistryUnavailableError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_REGISTRY_UNAVAILABLE";
  /** Asking again later can succeed. */
  readonly retriable = true;
  /** @param message what failed; @param cause the fetch error or HTTP status. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "RegistryUnavailableError";
  }
}

/** The registry answered with an error that asking again will not change (e.g. 40403 schema not found). */
export class RegistryAnswerError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_REGISTRY_ERROR";
  readonly retriable = false;
  /** @param message what the registry said; @param errorCode Confluent's `error_code`; @param status the HTTP status. */
  constructor(
    message: string,
    readonly errorCode: number | undefined,
    readonly status: number,
  ) {
    super(message);
    this.name = "RegistryAnswerError";
  }
}

/** Where a schema is registered: one subject version. */
export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
}

/** A subject's registered version: where it is and the id of its schema. */
export interface RegisteredVersion extends SubjectVersion {
  readonly id: number;
}

/** The registry's verdict on a schema against a subject's version, under the registry's compatibility level. */
export interface CompatibilityVerdict {
  readonly compatible: boolean;
  /** The registry's reasons (Confluent gives them with `?verbose=true`; empty when it gives none). */
  readonly messages: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Confluent's error code for "subject not found". */
const SUBJECT_NOT_FOUND = 40401;
/** Confluent's error code for "schema not found". */
const SCHEMA_NOT_FOUND = 40403;

/** A client of one schema registry. Build one per registry and share it (generated wiring does). */
export class SchemaRegistryClient {
  /** The registry's name in the `.kef`. */
  readonly name: string;
  /** The base URL, without a trailing slash. */
  readonly url: string;
  /** The base URL as shown in messages: without the user name and password a URL may hold. */
  readonly shownUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly schemas = new Map<number, Promise<string>>();
  /** Ids of schemas registered or looked up, by subject and schema text: one request per pair, kept once answered. */
  private readonly ids = new Map<string, Promise<number | undefined>>();
  private requestCount = 0;

  /**
   * Reads the URL and secrets from the environment now, so that a missing variable fails at start-up, not at the
   * first record. @param config see {@link SchemaRegistryConfig}; @param env the environment (default `process.env`).
   */
  constructor(config: SchemaRegistryConfig, env: Readonly<Record<string, string | undefined>> = process.env) {
    this.name = config.name;
    const fromEnv = (variable: string, what: string): string => {
      const value = env[variable];
      if (value === undefined || value === "")
        throw new Error(`registry "${config.name}": environment variable ${variable} (its ${what}) is not set`);
      return value;
    };
    const url = config.url ?? (config.urlEnv !== undefined ? fromEnv(config.urlEnv, "url") : undefined);
    if (url === undefined) throw new Error(`registry "${config.name}" has no url`);
    this.url = url.replace(/\/+$/, "");
    this.shownUrl = withoutCredentials(this.url);
    this.headers = { accept: "application/vnd.schemaregistry.v1+json, application/json" };
    const auth = config.auth;
    if (auth?.kind === "basic") {
      const credentials = `${fromEnv(auth.usernameEnv, "user name")}:${fromEnv(auth.passwordEnv, "password")}`;
      this.headers["authorization"] = `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`;
    } else if (auth?.kind === "bearer") {
      this.headers["authorization"] = `Bearer ${fromEnv(auth.tokenEnv, "token")}`;
    }
    this.timeoutMs = config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** HTTP requests sent so far (the cache makes this one per schema id). */
  get requests(): number {
    return this.requestCount;
  }

  /**
   * The schema text registered under `id`. Fetched once, then kept; concurrent calls for one id share the request.
   * Rejects with {@link RegistryUnavailableError} (retry later) or {@link RegistryAnswerError}; neither is kept.
   */
  schemaById(id: number): Promise<string> {
    const cached = this.schemas.get(id);
    if (cached) return cached;
    const request = this.get(`/schemas/ids/${id}`).then((body) => {
      const schema = (body as { schema?: unknown }).schema;
      if (typeof schema !== "string")
        throw new RegistryAnswerError(`registry "${this.name}": schema ${id} has no "schema" text`, undefined, 200);
      return schema;
    });
    this.schemas.set(id, request);
    request.catch(() => {
      if (this.schemas.get(id) === request) this.schemas.delete(id);
    });
    return request;
  }

  /**
   * Registers `schema` (Avro schema text) under `subject` (`POST /subjects/{s}/versions`) and gives its id; a schema
   * already registered there gets its id back. Concurrent calls for one pair share one request, and the id is kept.
   * Rejects with {@link RegistryUnavailableError} or {@link RegistryAnswerError} (e.g. 409: incompatible); neither is kept.
   */
  register(subject: string, schema: string): Promise<number> {
    return this.idOf("register", subject, schema) as Promise<number>;
  }

  /**
   * The id of `schema` under `subject` (`POST /subjects/{s}`), or undefined when it is not registered there (Confluent's
   * 40401 subject not found, 40403 schema not found). Shared and kept like {@link register}'s (a miss is not kept).
   */
  lookup(subject: string, schema: string): Promise<number | undefined> {
    return this.idOf("lookup", subject, schema);
  }

  private idOf(how: "register" | "lookup", subject: string, schema: string): Promise<number | undefined> {
    const key = `${how}\u0000${subject}\u0000${schema}`;
    const cached = this.ids.get(key);
    if (cached) return cached;
    const path = `/subjects/${encodeURIComponent(subject)}${how === "register" ? "/versions" : ""}`;
    const request = this.request("POST", path, { schema }).then(
      (body) => {
        const id = (body as { id?: unknown } | undefined)?.id;
        if (typeof id !== "number")
          throw new RegistryAnswerError(
            `registry "${this.name}": the answer for subject "${subject}" has no schema id`,
            undefined,
            200,
          );
        return id;
      },
      (error: unknown) => {
        if (
          how === "lookup" &&
          error instanceof RegistryAnswerError &&
          (error.errorCode === SUBJECT_NOT_FOUND || error.errorCode === SCHEMA_NOT_FOUND)
        )
          return undefined;
        throw error;
      },
    );
    this.ids.set(key, request);
    const forget = () => {
      if (this.ids.get(key) === request) this.ids.delete(key);
    };
    request.then((id) => (id === undefined ? forget() : undefined), forget);
    return request;
  }

  /** The subject versions that hold schema `id` (for error messages; not cached). */
  async versionsOfId(id: number): Promise<SubjectVersion[]> {
    const body = await this.get(`/schemas/ids/${id}/versions`);
    return Array.isArray(body) ? (body as SubjectVersion[]) : [];
  }

  /**
   * The latest version registered under `subject`, or undefined when the subject has none (Confluent's 40401).
   * Rejects with {@link RegistryUnavailableError} or {@link RegistryAnswerError}.
   */
  async latestVersion(subject: string): Promise<RegisteredVersion | undefined> {
    try {
      const body = (await this.get(`/subjects/${encodeURIComponent(subject)}/versions/latest`)) as
        Partial<RegisteredVersion> | undefined;
      if (typeof body?.id !== "number" || typeof body.version !== "number") {
        throw new RegistryAnswerError(
          `registry "${this.name}": the latest version of subject "${subject}" has no id or version`,
          undefined,
          200,
        );
      }
      return { subject, version: body.version, id: body.id };
    } catch (error) {
      if (error instanceof RegistryAnswerError && error.errorCode === SUBJECT_NOT_FOUND) return undefined;
      throw error;
    }
  }

  /**
   * Asks the registry whether `schema` (Avro schema text) is compatible with the latest version of `subject`, under
   * the compatibility level the registry has for that subject (`POST /compatibility/subjects/{s}/versions/latest`,
   * verbose, so that it says why). Rejects with {@link RegistryUnavailableError} or {@link RegistryAnswerError}.
   */
  async compatibility(subject: string, schema: string): Promise<CompatibilityVerdict> {
    const body = (await this.request(
      "POST",
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      { schema },
    )) as { is_compatible?: unknown; messages?: unknown } | undefined;
    if (typeof body?.is_compatible !== "boolean")
      throw new RegistryAnswerError(
        `registry "${this.name}": the compatibility answer for subject "${subject}" has no is_compatible`,
        undefined,
        200,
      );
    const messages = Array.isArray(body.messages)
      ? body.messages.map((m) => (typeof m === "string" ? m : JSON.stringify(m)))
      : [];
    return { compatible: body.is_compatible, messages };
  }

  private get(path: string): Promise<unknown> {
    return this.request("GET", path);
  }

  private async request(method: "GET" | "POST", path: string, json?: unknown): Promise<unknown> {
    this.requestCount++;
    let response: Response;
    const init: RequestInit = { method, headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) };
    if (json !== undefined) {
      init.headers = { ...this.headers, "content-type": "application/vnd.schemaregistry.v1+json" };
      init.body = JSON.stringify(json);
    }
    try {
      response = await fetch(this.url + path, init);
    } catch (cause) {
      const reason =
        cause instanceof Error && cause.name === "TimeoutError"
          ? `no answer within ${this.timeoutMs} ms`
          : describeFetchError(cause);
      throw new RegistryUnavailableError(`registry "${this.name}" (${this.shownUrl}) is unreachable: ${reason}`, {
        cause,
      });
    }
    const text = await response.text().catch(() => "");
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new RegistryUnavailableError(
        `registry "${this.name}" (${this.shownUrl}) answered HTTP ${response.status} for ${method} ${path}`,
      );
    }
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const e = body as { error_code?: unknown; message?: unknown } | undefined;
      const message = typeof e?.message === "string" ? e.message : text.slice(0, 200);
      throw new RegistryAnswerError(
        `registry "${this.name}" answered HTTP ${response.status} for ${method} ${path}: ${message}`,
        typeof e?.error_code === "number" ? e.error_code : undefined,
        response.status,
      );
    }
    return body;
  }
}

/** `url` without the user name and password it may hold (a URL from the environment is not checked for them). */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/+$/, "");
  } catch {
    return url;
  }
}

function describeFetchError(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (inner && typeof inner.code === "string") return inner.code;
  if (inner && typeof inner.message === "string") return inner.message;
  return cause instanceof Error ? cause.message : String(cause);
}
