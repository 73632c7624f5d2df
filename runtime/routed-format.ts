// Multi-type topics: several message types on one topic (`topic "orders" : OrderCreated | OrderCancelled`), each record
// decoded as the type its route names, and handed on as `{ type, value }` (a discriminated union, see {@link OneOf}).
//
//   headerRoute({ header: "$type", members })   K-Entity-Framework's style: a header holds the record's full Avro name
//   schemaRoute({ registry, members })          Confluent framing: the writer schema (fetched by id, cached) names it
//
// A record whose route names no member — no header, an unknown name, a writer schema of another record — cannot be
// decoded: it throws a DecodeError and takes the topic's failure path (dead letter, skip or stop), like any other.
// Single-type topics never come here: their hot path is untouched.

import { avroType } from "./avro-codec.js";
import {
  ABANDONED,
  PendingDecode,
  confluentFormat,
  confluentSchemaId,
  DEFAULT_REGISTRY_RETRY,
  waitOutRegistry,
  type RegistryWait,
  type ValueFormat,
} from "./confluent-format.js";
import { DecodeError } from "./errors.js";
import { RegistryAnswerError, RegistryUnavailableError, type SchemaRegistryClient } from "./registry-client.js";
import type { RecordHeaders } from "./transport/records.js";
import type { Codec, MessageContext, MessageHandler, RawKey } from "./types.js";
import type { Encoder } from "./encoders.js";
import { TopicConsumer } from "./topic-consumer.js";

/**
 * The value a multi-type topic's handler gets: `{ type, value }` for one of its members, `type` the member record's
 * full Avro name. `M` maps each full name to its type (generated: `kefgen.OneOf<{ "shop.OrderCreated":
 * messages.OrderCreated; … }>`), so a `switch (message.type)` narrows `message.value`.
 */
export type OneOf<M> = { [N in keyof M & string]: { readonly type: N; readonly value: M[N] } }[keyof M & string];

/** One message type of a multi-type topic, as generated wiring declares it. */
export interface RoutedMember<T = unknown> {
  /** The full name of the member's Avro record. */
  readonly type: string;
  readonly codec: Codec<T>;
  /** How its values are framed (e.g. `confluentFormat`, `singleObjectFormat`); absent: bare Avro, read by `codec`. */
  readonly format?: ValueFormat<T>;
}

/** Options of {@link headerRoute}. */
export interface HeaderRouteOptions {
  /** The topic, for messages. */
  readonly topic: string;
  /** The header that holds each record's type (K-Entity-Framework: `$type`). */
  readonly header: string;
  readonly members: readonly RoutedMember<any>[];
}

type Routed = { readonly type: string; readonly value: unknown };

function routed(type: string, decoded: unknown): Routed | PendingDecode<Routed> {
  if (!(decoded instanceof PendingDecode)) return { type, value: decoded };
  const pending = decoded as PendingDecode<unknown>;
  return new PendingDecode<Routed>(async (w) => {
    const value = await pending.wait(w);
    return value === ABANDONED ? ABANDONED : { type, value };
  });
}

function typesOf(members: readonly RoutedMember<any>[]): string {
  return members.map((m) => m.type).join(", ");
}

/** The one value of header `name`, as text; undefined when absent; a DecodeError when repeated with different values. */
function headerText(headers: RecordHeaders | undefined, name: string, topic: string): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined) return undefined;
  if (typeof raw === "string") return raw;
  if (Buffer.isBuffer(raw)) return raw.toString("utf8");
  const texts = new Set(raw.map((v) => (typeof v === "string" ? v : v.toString("utf8"))));
  if (texts.size === 1) return [...texts][0];
  throw new DecodeError(
    `record of multi-type topic "${topic}" has ${raw.length} "${name}" headers naming different types (${[...texts].join(", ")})`,
  );
}

/**
 * A multi-type topic routed by a header holding each record's full Avro name (K-Entity-Framework's `$type`): the value
 * is decoded by that member's codec (or format). A record without the header, or naming no member, is a DecodeError.
 */
export function headerRoute<M>(options: HeaderRouteOptions): ValueFormat<OneOf<M>> & { readonly kind: "routed" } {
  const { topic, header } = options;
  const byType = new Map(options.members.map((m) => [m.type, m]));
  return {
    kind: "routed",
    decode(value, headers) {
      const type = headerText(headers, header, topic);
      if (type === undefined)
        throw new DecodeError(
          `record of multi-type topic "${topic}" has no "${header}" header naming its type (one of ${typesOf(options.members)})`,
        );
      const member = byType.get(type);
      if (!member)
        throw new DecodeError(
          `"${header}" header ${JSON.stringify(type)} is not a type of topic "${topic}" (its types: ${typesOf(options.members)})`,
        );
      return routed(type, member.format ? member.format.decode(value) : member.codec.decode(value)) as
        OneOf<M> | PendingDecode<OneOf<M>>;
    },
  };
}

/** Options of {@link schemaRoute}. */
export interface SchemaRouteOptions {
  readonly registry: SchemaRegistryClient;
  readonly topic: string;
  readonly members: readonly RoutedMember<any>[];
  /** Backoff while the registry is unreachable (default 200 ms doubling to 10 s). */
  readonly retry?: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

/** Which member a writer schema id is read as, or why none. */
type SchemaRouting = { readonly type: string; readonly format: ValueFormat<unknown> } | { readonly error: DecodeError };

/**
 * A multi-type topic of Confluent-framed records (Confluent's `TopicRecordNameStrategy` world): the writer schema of a
 * record's id, fetched from the registry once per id, names the record; the member of that full name reads it through
 * schema resolution, as `confluentFormat` does. A writer schema of a record that is no member is a DecodeError.
 */
export function schemaRoute<M>(options: SchemaRouteOptions): ValueFormat<OneOf<M>> & { readonly kind: "routed" } {
  const { topic, registry } = options;
  const retry = options.retry ?? DEFAULT_REGISTRY_RETRY;
  const byType = new Map(
    options.members.map((m) => [
      m.type,
      confluentFormat(m.codec, { registry, topic, subjects: "topicRecord", retry }) as ValueFormat<unknown>,
    ]),
  );
  const routings = new Map<number, SchemaRouting>();

  const learn = async (id: number): Promise<SchemaRouting> => {
    let name: string | undefined;
    try {
      name = avroType(JSON.parse(await registry.schemaById(id))).name;
    } catch (error) {
      if (error instanceof RegistryUnavailableError) throw error;
      const why = error instanceof RegistryAnswerError ? "is not in" : "is not a schema kefgen can read, in";
      return {
        error: new DecodeError(
          `writer schema id ${id} ${why} registry "${registry.name}": ${(error as Error).message}`,
          {
            cause: error,
          },
        ),
      };
    }
    const format = name === undefined ? undefined : byType.get(name);
    if (name === undefined || !format)
      return {
        error: new DecodeError(
          `writer schema id ${id} is ${name === undefined ? "not a named record" : `the record ${name}`}, not a type of topic "${topic}" (its types: ${typesOf(options.members)})`,
        ),
      };
    return { type: name, format };
  };

  const read = (value: Buffer, routing: SchemaRouting): Routed | PendingDecode<Routed> => {
    if ("error" in routing) throw routing.error;
    return routed(routing.type, routing.format.decode(value));
  };

  const wait = async (value: Buffer, id: number, w: RegistryWait): Promise<Routed | typeof ABANDONED> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const routing = routings.get(id) ?? (await learn(id));
        routings.set(id, routing);
        const result = read(value, routing);
        return result instanceof PendingDecode ? await result.wait(w) : result;
      } catch (error) {
        if (!(await waitOutRegistry(error, attempt, retry, w))) return ABANDONED;
      }
    }
  };

  return {
    kind: "routed",
    decode(value) {
      const id = confluentSchemaId(value);
      const known = routings.get(id);
      const result = known ? read(value, known) : new PendingDecode<Routed>((w) => wait(value, id, w));
      return result as OneOf<M> | PendingDecode<OneOf<M>>;
    },
  };
}

/**
 * A codec for the values of a multi-type topic: `encode` writes the member's bare Avro (used by tests and dead-letter
 * readers); `decode` cannot tell the type from the bytes alone and throws — records are decoded by the topic's route.
 */
export function routedCodec<M>(topic: string, members: readonly RoutedMember<any>[]): Codec<OneOf<M>> {
  const byType = new Map(members.map((m) => [m.type, m]));
  return {
    decode() {
      throw new DecodeError(`a value of multi-type topic "${topic}" is decoded by the topic's route, not by a codec`);
    },
    encode(message) {
      const member = byType.get(message.type);
      if (!member) throw new TypeError(`${JSON.stringify(message.type)} is not a type of topic "${topic}"`);
      return member.codec.encode(message.value);
    },
  };
}

/**
 * One handler per member of a multi-type topic, keyed by the member's message name (`{ OrderCreated: (order, context)
 * => …, OrderCancelled: … }`), each getting its member's value.
 */
export type MemberHandlers<M, K = RawKey> = { readonly [N in keyof M]: MessageHandler<M[N], K> };

/**
 * The handler of a multi-type topic as bindTopic takes it: a function or TopicConsumer of the {@link OneOf} union is
 * used as it is; an object of {@link MemberHandlers} becomes a function calling the member's handler with the value.
 * `names` maps each member's full Avro name to its message name (the object's key).
 */
export function routeHandlers<U extends Routed, K>(
  handler: MessageHandler<U, K> | TopicConsumer<U, K> | Readonly<Record<string, MessageHandler<any, K>>>,
  names: Readonly<Record<string, string>>,
): MessageHandler<U, K> | TopicConsumer<U, K> {
  if (typeof handler === "function" || handler instanceof TopicConsumer) return handler as MessageHandler<U, K>;
  const byType = new Map<string, MessageHandler<unknown, K>>();
  for (const [type, name] of Object.entries(names)) {
    const member = (handler as Readonly<Record<string, MessageHandler<unknown, K>>>)[name];
    if (typeof member !== "function") throw new TypeError(`the handler of ${name} (${type}) is not a function`);
    byType.set(type, member);
  }
  return (message: U, context: MessageContext<K>) => byType.get(message.type)!(message.value, context);
}

/**
 * The value encoder of a multi-type topic's producer: each `{ type, value }` is encoded by its member's encoder
 * (bare Avro, or Confluent framing with the member's schema under `<topic>-<full name>`).
 */
export function routedEncoder<U extends Routed>(
  topic: string,
  members: Readonly<Record<string, Encoder<any>>>,
): Encoder<U> {
  const byType = new Map(Object.entries(members));
  const kind = byType.values().next().value?.kind ?? "avro";
  return {
    kind,
    encode(message) {
      const encoder = byType.get(message.type);
      if (!encoder) throw new TypeError(`${JSON.stringify(message.type)} is not a type of topic "${topic}"`);
      return encoder.encode(message.value);
    },
  };
}
