// Which Kafka client runs a connection: the names, what each cannot honour, and how the optional
// one (@platformatic/kafka) is loaded. Nothing here imports a client: @platformatic/kafka is loaded
// with a dynamic import only when a connection chooses it, so kafkajs users and Node 20 never load it.

import { settingsDeclaration, type SettingDeclaration, type SettingValue } from "../settings-declaration.js";
import type { ConnectionSettings } from "../types.js";

/** The Kafka clients the runtime can run on (the values of the `client` setting). */
export type KafkaClient = SettingValue<"client">;

/** The client a connection runs on when neither the `.kef` nor the runtime options name one. */
export const DEFAULT_CLIENT: KafkaClient = "kafkajs";

/** The Node.js versions @platformatic/kafka 2.12 declares: 22.22 or newer on 22, 24.6 or newer on 24, any later major. */
export const PLATFORMATIC_NODE_FLOOR = "22.22 (on Node 22) or 24.6 (on Node 24)";

/** Whether `version` (e.g. `process.versions.node`) is one @platformatic/kafka runs on. */
export function platformaticRunsOn(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major === 22) return minor >= 22;
  if (major === 24) return minor >= 6;
  return major >= 25;
}

/** A chosen Kafka client that cannot be used here: wrong Node.js, not installed, or a setting it cannot honour. */
export class ClientUnavailableError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_CLIENT_UNAVAILABLE";
  /** Retrying cannot help: the installation or the configuration must change. */
  readonly retriable = false;

  /** @param client the client chosen; @param message what is wrong and what to do. */
  constructor(
    readonly client: KafkaClient,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "ClientUnavailableError";
  }
}

// Typed `unknown` here: a type naming "@platformatic/kafka" in this file's declarations would break the
// type-check of applications that do not install it. platformatic.ts casts it to the module's type.
let loading: Promise<unknown> | undefined;

/**
 * Loads @platformatic/kafka once. Rejects with a {@link ClientUnavailableError} naming the Node.js
 * floor on an older Node, or saying `npm install @platformatic/kafka` when it is not installed.
 */
export function loadPlatformatic(
  nodeVersion: string = process.versions.node,
  importer?: () => Promise<unknown>,
): Promise<unknown> {
  if (!platformaticRunsOn(nodeVersion)) {
    return Promise.reject(
      new ClientUnavailableError(
        "platformatic",
        `client = platformatic needs Node.js ${PLATFORMATIC_NODE_FLOOR}; this is Node.js ${nodeVersion}. Upgrade Node.js or use client = kafkajs`,
      ),
    );
  }
  // `importer` (tests) bypasses the one shared load.
  if (importer) return importer().catch((error: unknown) => Promise.reject(unavailable(error)));
  loading ??= import("@platformatic/kafka").catch((error: unknown) => {
    loading = undefined;
    throw unavailable(error);
  });
  return loading;
}

/** What a failed import of @platformatic/kafka means: not installed (Node's ERR_MODULE_NOT_FOUND naming it), or broken. */
function unavailable(error: unknown): ClientUnavailableError {
  const missing =
    (error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND" &&
    String((error as Error).message).includes("@platformatic/kafka");
  return new ClientUnavailableError(
    "platformatic",
    missing
      ? "client = platformatic needs the optional peer dependency @platformatic/kafka: npm install @platformatic/kafka"
      : `client = platformatic: @platformatic/kafka could not be loaded: ${(error as Error).message}`,
    { cause: error },
  );
}

/**
 * The settings of `settings` that `client` cannot honour, each with why (empty: all honoured). The
 * generator refuses them with KEF2009 when the `.kef` names the client; this catches a client
 * chosen in the runtime options.
 */
export function unsupportedSettings(client: KafkaClient, settings: ConnectionSettings): string[] {
  const refused: string[] = [];
  for (const [name, declared] of Object.entries(settingsDeclaration) as [string, SettingDeclaration][]) {
    const u = declared.unsupported;
    if (!u || u.client !== client || declared.shape !== "connection") continue;
    const value = (settings as Readonly<Record<string, string | number | boolean | undefined>>)[declared.field ?? name];
    if (value === undefined || (u.values !== undefined && !u.values.includes(value as string | boolean))) continue;
    refused.push(`${name}${u.values === undefined ? "" : ` = ${String(value)}`}: ${u.why}`);
  }
  return refused;
}
