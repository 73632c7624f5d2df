// Multi-type topics: several message types on one topic, told apart by a route.
//
//   topic "orders" : OrderCreated | OrderCancelled | OrderShipped {     each a declared message whose schema is a record
//     route = header("$type")        the default: a header holds the record's full Avro name (K-Entity-Framework's $type)
//     route = schema                 Confluent framing: the writer schema (by its id in the registry) names the record
//   }
//
// `route` is written in the topic's `{ }` (beside partitions and config { }), not in its consumer block: the consumer
// and the producer both follow it. Refused: a member listed twice or two members of the same record (KEF2120), a
// member that is not a record (KEF2121), a route that is neither (KEF2122), route = schema without Confluent framing
// (KEF2123), route on a topic of one type (KEF2124).
import { settingValueText, type Name, type Setting, type TopicDecl } from "../grammar/ast.js";
import type { AvroSchema } from "./avro-types.js";
import { messages, notes } from "./catalogue.js";
import { related } from "./diagnostics.js";
import type { MessageModel, RouteModel, TopicFormatModel, TopicMemberModel } from "./model.js";
import type { FileReporter } from "./reporter.js";

/** What `route` in a topic's `{ }` means (the language server's completion and hover). */
export const routeSettingDoc =
  'How a multi-type topic (`topic "orders" : A | B`) tells its records\' types apart: `header("$type")` (the default; the header holds the record\'s full Avro name, K-Entity-Framework\'s style, any header name) or `schema` (the Confluent writer schema names the record; needs format = confluent). Its producer follows it too.';

/** The header K-Entity-Framework names each record's type in: the default route. */
export const defaultRouteHeader = "$type";

/** What a topic says about its types: its members and route when it has several, else nothing. */
export interface TopicMembers {
  readonly members?: readonly TopicMemberModel[];
  readonly route?: RouteModel;
  /** The `route = …` setting, where the route-and-format check reports. */
  readonly routeSetting?: Setting;
  /** False when a member could not be resolved or was refused (reported): the topic is not checked further. */
  readonly valid: boolean;
}

/**
 * Checks the members of `decl` after its first message type (`first`, already resolved) and its `route`.
 * `resolveMessage` resolves (and reports an unknown) message name.
 */
export function topicMembers(
  r: FileReporter,
  decl: TopicDecl,
  first: MessageModel | undefined,
  resolveMessage: (ref: Name) => MessageModel | undefined,
): TopicMembers {
  const topic = decl.topic.value;
  const routes = decl.body.filter((item): item is Setting => item.$type === "Setting" && item.name.text === "route");
  for (const again of routes.slice(1)) {
    r.accept(
      messages.provisioningSettingTwice,
      again.name.range,
      { name: "route", topic },
      { related: [related(notes.firstSaid, {}, { file: r.source.file, range: routes[0]!.name.range })] },
    );
  }
  const routeSetting = routes[0];
  if (!decl.members || !decl.message) {
    if (routeSetting) r.accept(messages.routeOnSingleType, routeSetting.name.range, { topic });
    return { valid: true };
  }

  let valid = first !== undefined;
  const listed = new Map<string, Name>([[decl.message.text, decl.message]]);
  const members: TopicMemberModel[] = [];
  const byType = new Map<string, MessageModel>();
  const add = (ref: Name, message: MessageModel | undefined): void => {
    if (!message) return;
    const record = recordNameOf(message.schema);
    if (typeof record !== "string") {
      r.accept(messages.memberNotARecord, ref.range, { name: message.name, topic, kind: record.kind });
      valid = false;
      return;
    }
    const other = byType.get(record);
    if (other) {
      r.accept(messages.memberSameAvroName, ref.range, { name: message.name, other: other.name, topic, type: record });
      valid = false;
      return;
    }
    byType.set(record, message);
    members.push({ message, type: record });
  };
  add(decl.message, first);
  for (const ref of decl.members) {
    const earlier = listed.get(ref.text);
    if (earlier) {
      r.accept(
        messages.memberTwice,
        ref.range,
        { name: ref.text, topic },
        { related: [related(notes.firstSaid, {}, { file: r.source.file, range: earlier.range })] },
      );
      valid = false;
      continue;
    }
    listed.set(ref.text, ref);
    const message = resolveMessage(ref);
    if (!message) valid = false;
    add(ref, message);
  }

  let route: RouteModel = { kind: "header", header: defaultRouteHeader };
  const v = routeSetting?.value;
  if (routeSetting && v) {
    const header =
      v.$type === "CallValue" && v.callee.text === "header" && v.args.length === 1 && v.args[0]!.$type === "StringValue"
        ? v.args[0]!.value
        : undefined;
    if (header !== undefined && header.length > 0) route = { kind: "header", header };
    else if (v.$type === "IdentifierValue" && v.value === "schema") route = { kind: "schema" };
    else {
      r.accept(messages.invalidRoute, v.range, { value: settingValueText(v), topic });
      valid = false;
    }
  }
  return { members, route, ...(routeSetting ? { routeSetting } : {}), valid };
}

/** route = schema reads the writer schema's name from the registry: the topic must be Confluent-framed. */
export function checkRouteFormat(
  r: FileReporter,
  decl: TopicDecl,
  checked: TopicMembers,
  format: TopicFormatModel | undefined,
): boolean {
  if (checked.route?.kind !== "schema" || format?.kind === "confluent") return true;
  const at = checked.routeSetting?.value?.range ?? decl.topic.range;
  r.accept(messages.schemaRouteNotConfluent, at, {
    topic: decl.topic.value,
    format: format?.kind === "singleObject" ? "single-object encoded" : "bare Avro",
  });
  return false;
}

/** The full name of the record a schema's root is, or what the root is instead. */
function recordNameOf(schema: AvroSchema): string | { kind: string } {
  const root = schema.root;
  if (root.kind === "record") return root.fullName;
  if (root.kind === "ref") {
    const named = schema.named.find((n) => n.fullName === root.fullName);
    if (named?.kind === "record") return named.fullName;
    return { kind: named ? article(named.kind) : `a reference to ${root.fullName}` };
  }
  if (root.kind === "primitive") return { kind: `the primitive ${root.name}` };
  return { kind: article(root.kind) };
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
