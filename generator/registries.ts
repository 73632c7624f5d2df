// Schema registries and value formats: the checking of `registry NAME { url auth }` declarations and of the
// per-topic `format`, `subjects` and `registry` settings (which the settings catalogue declares; their values
// arrive here already typed, resolved shared → connection → topic).
//
//   registry main {
//     url = "http://localhost:8081"                        or url = env("SR_URL")
//     auth = basic(env("SR_USER"), env("SR_PASSWORD"))     or auth = bearer(env("SR_TOKEN"))
//   }
//
// Secrets are written only as env("NAME"): the generated code holds the variable's name, the runtime reads it.
import type { CallArgument, Name, Range, RegistryDecl, SettingValue } from "../grammar/ast.js";
import { messages } from "./catalogue.js";
import { didYouMean } from "./diagnostics.js";
import type { ConfluentFormatModel, RegistryModel, TopicFormatModel } from "./model.js";
import type { Accept, FileReporter } from "./reporter.js";

/**
 * A declared registry: its model (undefined when its declaration has errors, which were reported) and where it was
 * declared (for the unused warning).
 */
export interface CheckedRegistry {
  readonly model: RegistryModel | undefined;
  readonly name: Name;
  readonly file: string;
  used: boolean;
}

const registryKeys = ["url", "auth"] as const;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks one `registry` declaration (its name is unique: bind.ts); the model is undefined when it is invalid. */
export function checkRegistry(c: FileReporter, node: RegistryDecl): CheckedRegistry {
  const name = node.name.text;
  let url: RegistryModel["url"] | undefined;
  let auth: RegistryModel["auth"];
  let valid = true;
  const written = new Set<string>();
  for (const setting of node.settings?.settings ?? []) {
    const key = setting.name.text;
    if (!(registryKeys as readonly string[]).includes(key)) {
      c.accept(
        messages.unknownRegistrySetting,
        setting.name.range,
        { name: key, keys: registryKeys.join(", ") },
        { hint: didYouMean(key, registryKeys) },
      );
      valid = false;
      continue;
    }
    if (written.has(key)) {
      c.accept(messages.settingTwice, setting.name.range, { name: key });
      continue;
    }
    written.add(key);
    const v = setting.value;
    if (!v) {
      valid = false;
      continue;
    }
    if (key === "url") {
      url = checkUrl(c, v);
      if (!url) valid = false;
    } else {
      auth = checkAuth(c, v);
      if (!auth) valid = false;
    }
  }
  if (!written.has("url")) {
    c.accept(messages.registryWithoutUrl, node.name.range, { name });
    valid = false;
  }
  const file = c.source.file;
  const model = valid && url ? { name, url, ...(auth ? { auth } : {}), file, range: node.range } : undefined;
  return { model, name: node.name, file, used: false };
}

function envArgument(
  c: FileReporter,
  v: CallArgument | SettingValue,
  what: string,
  example: string,
): string | undefined {
  if (v.$type === "CallValue" && v.callee.text === "env") {
    const arg = v.args[0];
    if (v.args.length !== 1 || arg?.$type !== "StringValue" || !envName.test(arg.value)) {
      c.accept(messages.envTakesOneName, v.range, { example });
      return undefined;
    }
    return arg.value;
  }
  if (v.$type === "StringValue") {
    c.accept(messages.secretInKef, v.range, { what, example });
    return undefined;
  }
  c.accept(messages.secretNotFromEnv, v.range, { what, value: String(v.value) });
  return undefined;
}

function checkUrl(c: FileReporter, v: SettingValue): RegistryModel["url"] | undefined {
  if (v.$type === "StringValue") {
    let parsed: URL | undefined;
    try {
      parsed = new URL(v.value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      c.accept(messages.registryUrlNotHttp, v.range, { url: JSON.stringify(v.value) });
      return undefined;
    }
    if (parsed.username !== "" || parsed.password !== "") {
      c.accept(messages.registryUrlWithCredentials, v.range, {});
      return undefined;
    }
    return { value: v.value };
  }
  const env = envArgument(c, v, "url", "SR_URL");
  return env === undefined ? undefined : { env };
}

function checkAuth(c: FileReporter, v: SettingValue): RegistryModel["auth"] | undefined {
  if (v.$type === "CallValue" && v.callee.text === "basic") {
    if (v.args.length !== 2) {
      c.accept(messages.basicAuthArguments, v.range, {});
      return undefined;
    }
    const usernameEnv = envArgument(c, v.args[0]!, "user name", "SR_USER");
    const passwordEnv = envArgument(c, v.args[1]!, "password", "SR_PASSWORD");
    return usernameEnv !== undefined && passwordEnv !== undefined
      ? { kind: "basic", usernameEnv, passwordEnv }
      : undefined;
  }
  if (v.$type === "CallValue" && v.callee.text === "bearer") {
    if (v.args.length !== 1) {
      c.accept(messages.bearerAuthArguments, v.range, {});
      return undefined;
    }
    const tokenEnv = envArgument(c, v.args[0]!, "token", "SR_TOKEN");
    return tokenEnv !== undefined ? { kind: "bearer", tokenEnv } : undefined;
  }
  c.accept(messages.invalidAuth, v.range, { value: String(v.value) });
  return undefined;
}

/** Where a per-topic setting got its value: the last layer (shared → connection → topic) that wrote it. */
export interface SettingLayer {
  readonly file?: string;
  readonly values: ReadonlyMap<string, { value: string | number | boolean; range: Range }>;
}

/** A per-topic setting's value, where it was written (range and file), from the strongest layer that wrote it. */
export interface LayeredValue {
  readonly value: string | number | boolean;
  readonly range: Range;
  readonly file: string;
}

/** Looks `key` up in `layers` (weakest first): the last layer that wrote it wins; `file` defaults to `topicFile`. */
export function settingIn(layers: readonly SettingLayer[], topicFile: string, key: string): LayeredValue | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const hit = layers[i]!.values.get(key);
    if (hit) return { value: hit.value, range: hit.range, file: layers[i]!.file ?? topicFile };
  }
  return undefined;
}

/**
 * The value format of one topic from its resolved `format`, `subjects` and `registry` settings, or undefined for
 * bare Avro. Reports an unknown or missing registry, and registry settings on a bare-Avro topic.
 */
export function topicFormat(
  c: Accept,
  topic: { name: string; range: Range; file: string },
  layers: readonly SettingLayer[],
  registries: ReadonlyMap<string, CheckedRegistry>,
): TopicFormatModel | undefined {
  const where = (key: string): { value: string; range: Range; file: string } | undefined => {
    const hit = settingIn(layers, topic.file, key);
    return hit && { ...hit, value: String(hit.value) };
  };
  const format = where("format")?.value ?? "avro";
  const subjects = (where("subjects")?.value ?? "topic") as ConfluentFormatModel["subjects"];
  const chosen = where("registry");
  if (format !== "confluent") {
    // An inherited registry choice is fine for bare topics; one written on the topic itself is a mistake.
    const own = layers[layers.length - 1];
    for (const key of ["registry", "subjects"]) {
      const hit = own?.values.get(key);
      if (hit) {
        c.accept(
          messages.registrySettingWithoutEffect,
          hit.range,
          { key, topic: topic.name, format: format === "singleObject" ? "single-object Avro" : "bare Avro" },
          { file: own!.file ?? topic.file },
        );
      }
    }
    return format === "singleObject" ? { kind: "singleObject" } : undefined;
  }
  if (chosen) {
    const registry = registries.get(chosen.value);
    if (!registry) {
      if (registries.size === 0)
        c.accept(messages.unknownRegistryNoneDeclared, chosen.range, { name: chosen.value }, { file: chosen.file });
      else
        c.accept(
          messages.unknownRegistry,
          chosen.range,
          { name: chosen.value },
          { file: chosen.file, hint: didYouMean(chosen.value, registries.keys()) },
        );
      return undefined;
    }
    registry.used = true;
    return registry.model ? { kind: "confluent" as const, registry: registry.model.name, subjects } : undefined;
  }
  if (registries.size === 1) {
    const only = [...registries.values()][0]!;
    only.used = true;
    return only.model ? { kind: "confluent" as const, registry: only.model.name, subjects } : undefined;
  }
  if (registries.size === 0)
    c.accept(messages.confluentWithoutRegistry, topic.range, { topic: topic.name }, { file: topic.file });
  else
    c.accept(
      messages.registryNotChosen,
      topic.range,
      { topic: topic.name, choices: [...registries.keys()].join(" or registry = ") },
      { file: topic.file },
    );
  return undefined;
}

/** Warns about declared registries that no topic reads from. */
export function reportUnusedRegistries(
  c: Accept,
  registries: ReadonlyMap<string, CheckedRegistry>,
  afterTypo: boolean,
): void {
  // After an unknown registry name (a typo), "unused" would only repeat that error.
  if (afterTypo) return;
  for (const r of registries.values()) {
    if (r.used || !r.model) continue;
    c.accept(messages.unusedRegistry, r.name.range, { name: r.name.text }, { file: r.file });
  }
}
