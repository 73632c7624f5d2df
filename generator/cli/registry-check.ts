// `kefgen registry check`: for every message type that a `format = confluent` topic reads — its values, and its keys
// when they are Avro messages — under the topic's subject strategy, asks the topic's registry itself whether the
// .kef's schema is compatible with the subject's latest registered version
// (`POST /compatibility/subjects/{s}/versions/latest?verbose=true`). The registry's own compatibility level decides
// (BACKWARD, FORWARD, FULL, …, as it is configured for the subject); kefgen only asks and reports.
//
// Each subject ends as one of:
//   compatible     the registry says so;
//   incompatible   KEF4030 (error) at the message's schema, naming subject, version, id and the registry's reasons;
//   unregistered   KEF4031 (warning): the subject has no version yet, so there is nothing to be compatible with;
//   unchecked      its registry could not be asked: KEF4032 unreachable, KEF4033 credentials refused, KEF4035 a
//                  variable of its url or auth is not set (errors, once per registry, at its declaration). A registry
//                  error about one subject (KEF4034) is reported at that subject's schema and the rest go on.
import { subjectName } from "../../runtime/confluent-format.js";
import { RegistryAnswerError, RegistryUnavailableError, SchemaRegistryClient } from "../../runtime/registry-client.js";
import { codecSchema } from "../avro-codec-schema.js";
import { messages, type MessageArgs, type MessageDef } from "../catalogue.js";
import { diagnostic, hasErrors, type Diagnostic } from "../diagnostics.js";
import type { MessageModel, Model, RegistryModel } from "../model.js";
import { analyse, type ProjectOptions } from "../program.js";
import type { CommandIo, Report } from "./output.js";

/** How one subject's check ended. */
export type SubjectStatus = "compatible" | "incompatible" | "unregistered" | "unchecked";

/** One subject of one registry, the schema the .kef reads it with, and the registry's answer. */
export interface SubjectResult {
  readonly registry: string;
  /** The registry's URL as shown (without credentials); empty when it could not be read from the environment. */
  readonly url: string;
  readonly subject: string;
  readonly part: "value" | "key";
  /** The Kafka topics read under this subject with this schema. */
  readonly topics: readonly string[];
  /** The .kef message type whose schema was checked. */
  readonly message: string;
  readonly status: SubjectStatus;
  /** The latest registered version and its schema id (compatible, incompatible). */
  readonly version?: number;
  readonly id?: number;
  /** The registry's reasons (incompatible). */
  readonly messages?: readonly string[];
}

export interface RegistryCheckResult {
  readonly diagnostics: Diagnostic[];
  readonly subjects: SubjectResult[];
}

/** One question to ask: a subject of a registry and the schema the .kef reads it with. */
interface SubjectQuestion {
  readonly registry: RegistryModel;
  readonly subject: string;
  readonly part: "value" | "key";
  readonly topics: string[];
  readonly message: MessageModel;
  readonly schema: string;
}

/** The subjects of `model`'s framed topics (of registry `only`, if given), each (registry, subject, schema) once. */
function subjectQuestions(model: Model, only?: string): SubjectQuestion[] {
  const byName = new Map(model.namedTypes.map((t) => [t.fullName, t]));
  const schemaText = (m: MessageModel): string => JSON.stringify(codecSchema(m.schema, (n) => byName.get(n)));
  const registries = new Map(model.registries.map((r) => [r.name, r]));
  const out = new Map<string, SubjectQuestion>();
  for (const topic of model.topics) {
    if (topic.format?.kind !== "confluent" || (only !== undefined && topic.format.registry !== only)) continue;
    const registry = registries.get(topic.format.registry)!;
    // A multi-type topic's values are each member's; routed by schema, each is under <topic>-<full name>.
    const parts: ["value" | "key", MessageModel][] = (topic.members?.map((m) => m.message) ?? [topic.message]).map(
      (m) => ["value", m],
    );
    const strategy = topic.route?.kind === "schema" ? "topicRecord" : topic.format.subjects;
    if (topic.key?.kind === "message") parts.push(["key", topic.key.message]);
    for (const [part, message] of parts) {
      const root = message.schema.root;
      const recordName =
        root.kind === "record" || root.kind === "enum" || root.kind === "fixed" ? root.fullName : undefined;
      const subject = subjectName(part === "value" ? strategy : topic.format.subjects, topic.topic, recordName, part);
      const schema = schemaText(message);
      const key = JSON.stringify([registry.name, subject, schema]);
      const seen = out.get(key);
      if (seen) {
        if (!seen.topics.includes(topic.topic)) seen.topics.push(topic.topic);
      } else {
        out.set(key, { registry, subject, part, topics: [topic.topic], message, schema });
      }
    }
  }
  return [...out.values()];
}

/** Asks each registry about each subject; `env` holds the registries' url and secret variables. */
async function checkRegistrySubjects(
  model: Model,
  options: { registry?: string; env: Readonly<Record<string, string | undefined>> },
): Promise<RegistryCheckResult> {
  const diagnostics: Diagnostic[] = [];
  const subjects: SubjectResult[] = [];
  const questions = subjectQuestions(model, options.registry);
  const atSchema = (q: SubjectQuestion) => ({ file: q.message.schema.file, range: q.message.schema.range });
  const report = <M extends MessageDef>(
    entry: M,
    at: { file: string; range: Diagnostic["range"] },
    args: MessageArgs<M>,
  ): void => {
    diagnostics.push(diagnostic(entry, args, { file: at.file, range: at.range }));
  };
  for (const registry of model.registries) {
    const asked = questions.filter((q) => q.registry === registry);
    if (asked.length === 0) continue;
    const result = (
      q: SubjectQuestion,
      status: SubjectStatus,
      url: string,
      extra: Partial<SubjectResult> = {},
    ): SubjectResult => ({
      registry: registry.name,
      url,
      subject: q.subject,
      part: q.part,
      topics: q.topics,
      message: q.message.name,
      status,
      ...extra,
    });
    let client: SchemaRegistryClient;
    try {
      client = new SchemaRegistryClient(
        {
          name: registry.name,
          ...("value" in registry.url ? { url: registry.url.value } : { urlEnv: registry.url.env }),
          ...(registry.auth ? { auth: registry.auth } : {}),
        },
        options.env,
      );
    } catch (error) {
      report(messages.registryVariableUnset, registry, { reason: (error as Error).message, registry: registry.name });
      subjects.push(...asked.map((q) => result(q, "unchecked", "")));
      continue;
    }
    const url = client.shownUrl;
    for (let i = 0; i < asked.length; i++) {
      const q = asked[i]!;
      try {
        const latest = await client.latestVersion(q.subject);
        if (!latest) {
          report(messages.subjectNotRegistered, atSchema(q), {
            subject: q.subject,
            registry: registry.name,
            url,
            message: q.message.name,
          });
          subjects.push(result(q, "unregistered", url));
          continue;
        }
        const verdict = await client.compatibility(q.subject, q.schema);
        const at = { version: latest.version, id: latest.id };
        if (verdict.compatible) {
          subjects.push(result(q, "compatible", url, at));
          continue;
        }
        // Confluent's verbose answer also carries the old schema itself (`{oldSchema: '…'}`): named by version here.
        const reasons = verdict.messages.filter((m) => !m.startsWith("{oldSchema"));
        const said = reasons.length > 0 ? reasons.join("; ") : "the registry gave no reason";
        report(messages.schemaIncompatible, atSchema(q), {
          message: q.message.name,
          version: latest.version,
          id: latest.id,
          subject: q.subject,
          registry: registry.name,
          url,
          reasons: said,
        });
        subjects.push(result(q, "incompatible", url, { ...at, messages: reasons }));
      } catch (error) {
        const auth = error instanceof RegistryAnswerError && (error.status === 401 || error.status === 403);
        if (error instanceof RegistryUnavailableError || auth) {
          const variables = registry.auth
            ? registry.auth.kind === "basic"
              ? `${registry.auth.usernameEnv} and ${registry.auth.passwordEnv}`
              : registry.auth.tokenEnv
            : undefined;
          const said = { registry: registry.name, url, reason: (error as Error).message };
          if (auth) {
            if (variables) report(messages.credentialsRefused, registry, { ...said, variables });
            else report(messages.credentialsMissing, registry, said);
          } else report(messages.registryUnreachable, registry, { reason: (error as Error).message });
          subjects.push(...asked.slice(i).map((r) => result(r, "unchecked", url)));
          break;
        }
        if (!(error instanceof RegistryAnswerError)) throw error;
        report(messages.registryError, atSchema(q), { subject: q.subject, reason: error.message });
        subjects.push(result(q, "unchecked", url));
      }
    }
  }
  return { diagnostics, subjects };
}

export interface RegistryCheckCommandOptions {
  readonly format: "text" | "json";
  readonly registry?: string;
  /** Prints diagnostics as text (with code frames from `sources`). */
  readonly report: Report;
  /** A usage error (exit 2). */
  readonly usage: (message: string) => void;
}

/** `kefgen registry check`: returns the exit code (0 ok, 1 diagnostics, 2 usage). */
export async function registryCheckCommand(
  io: CommandIo & { readonly env: Readonly<Record<string, string | undefined>> },
  project: ProjectOptions,
  options: RegistryCheckCommandOptions,
): Promise<number> {
  const analysed = analyse(project);
  const print = (diagnostics: readonly Diagnostic[], subjects: readonly SubjectResult[]): void => {
    if (options.format === "json") io.stdout.write(`${JSON.stringify({ diagnostics, subjects }, null, 2)}\n`);
    else options.report(diagnostics, analysed.sources);
  };
  if (!analysed.model || hasErrors(analysed.diagnostics)) {
    print(analysed.diagnostics, []);
    return 1;
  }
  const model = analysed.model;
  if (options.registry !== undefined && !model.registries.some((r) => r.name === options.registry)) {
    const known = model.registries.map((r) => `"${r.name}"`).join(", ");
    options.usage(
      `--registry ${options.registry}: no format = confluent topic reads from a registry of that name${known ? ` (they read from ${known})` : ""}`,
    );
    return 2;
  }
  const checked = await checkRegistrySubjects(model, {
    env: io.env,
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
  });
  const diagnostics = [...analysed.diagnostics, ...checked.diagnostics];
  print(diagnostics, checked.subjects);
  if (options.format === "text") io.stdout.write(subjectsText(checked.subjects));
  return hasErrors(diagnostics) ? 1 : 0;
}

function subjectsText(subjects: readonly SubjectResult[]): string {
  if (subjects.length === 0) return "no topic is read with format = confluent: nothing to check\n";
  const lines = subjects.map((s) => {
    const where = `registry "${s.registry}"${s.url ? ` (${s.url})` : ""}`;
    const version = s.version !== undefined ? ` version ${s.version} (id ${s.id})` : "";
    const verdict = {
      compatible: `compatible with${version}`,
      incompatible: `NOT compatible with${version}`,
      unregistered: "not registered",
      unchecked: "not checked",
    }[s.status];
    return `${s.subject} (${s.message}, ${where}): ${verdict}`;
  });
  const count = (status: SubjectStatus) => subjects.filter((s) => s.status === status).length;
  const tally = (["compatible", "incompatible", "unregistered", "unchecked"] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${s}`);
  return `${lines.join("\n")}\n${subjects.length} subject${subjects.length === 1 ? "" : "s"}: ${tally.join(", ")}\n`;
}
