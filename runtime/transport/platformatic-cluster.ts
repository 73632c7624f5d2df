// The platformatic transport's cluster side: the admin questions (topic existence, end and committed
// offsets) and the idempotent producer over @platformatic/kafka. Nothing here imports a value of the
// package: it is loaded on first use.

import type { Admin, Producer } from "@platformatic/kafka";
import { loadPlatformatic as loadModule } from "./clients.js";
import type { RecordHeaders } from "./records.js";
import type { OutgoingRecord, TransportAdmin, TransportProducer } from "./transport.js";
import type { NewTopic } from "../topic-provisioning.js";

/** The @platformatic/kafka module. Not exported: no declaration file may name the package. */
type PlatformaticModule = typeof import("@platformatic/kafka");

/** Loads @platformatic/kafka (clients.ts: Node.js floor, missing install), typed. */
const loadPlatformatic = (): Promise<PlatformaticModule> => loadModule() as Promise<PlatformaticModule>;

/** Where every platformatic client of a transport connects. */
export type ClientOptions = { readonly clientId: string; readonly bootstrapBrokers: string[] };

/** ListOffsets: the latest offset. */
const LATEST = -1n;

/** A {@link TransportAdmin} over one @platformatic/kafka `Admin`, created at the first question. */
export class PlatformaticAdmin implements TransportAdmin {
  private admin: Promise<Admin> | undefined;

  constructor(private readonly client: ClientOptions) {}

  async existingTopics(topics: readonly string[]): Promise<ReadonlySet<string>> {
    const names = new Set(await this.ask((admin) => admin.listTopics({ includeInternals: false })));
    return new Set(topics.filter((topic) => names.has(topic)));
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    return this.ask(async (admin) => {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      const [listed] = await admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: LATEST })),
          },
        ],
      });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset.toString()]));
    });
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const groups = await this.ask((admin) => admin.listConsumerGroupOffsets({ groups: [groupId] }));
    const partitions =
      groups.find((g) => g.groupId === groupId)?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return new Map(
      partitions.filter((p) => p.committedOffset >= 0n).map((p) => [p.partitionIndex, p.committedOffset.toString()]),
    );
  }

  /** One CreateTopics request per topic (the client's partitions, replicas and configs apply to a whole request). */
  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    const failures: string[] = [];
    for (const t of topics) {
      try {
        await this.ask((admin) =>
          admin.createTopics({
            topics: [t.topic],
            partitions: t.partitions ?? -1,
            replicas: t.replicationFactor ?? -1,
            configs: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          }),
        );
      } catch (error) {
        // Another member may have created it since the existence check: that is what was asked for.
        if (/already exists/i.test(describe(error))) continue;
        failures.push(`${t.topic}: ${describe(error)}`);
      }
    }
    if (failures.length > 0)
      throw new Error(`cannot create topics ${topics.map((t) => t.topic).join(", ")}: ${failures.join("; ")}`);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    const created = await admin?.catch(() => undefined);
    await created?.close().catch(() => {});
  }

  private async ask<T>(question: (admin: Admin) => Promise<T>): Promise<T> {
    this.admin ??= loadPlatformatic().then((lib) => new lib.Admin({ ...this.client, strict: false }));
    return question(await this.admin);
  }
}

/** A {@link TransportProducer} over a @platformatic/kafka `Producer` (idempotent, acks from every in-sync replica). */
export class PlatformaticProducer implements TransportProducer {
  private producer: Producer | undefined;

  constructor(private readonly client: ClientOptions) {}

  async connect(): Promise<void> {
    const lib = await loadPlatformatic();
    this.producer ??= new lib.Producer({
      ...this.client,
      idempotent: true,
      acks: lib.ProduceAcks.ALL,
      autocreateTopics: false,
    });
    await this.producer.metadata({ topics: [] });
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (!this.producer) throw new Error("the producer is not connected");
    await this.producer.send({
      messages: records.map((r) => ({
        topic,
        ...(r.key !== undefined && r.key !== null ? { key: Buffer.from(r.key) } : {}),
        ...(r.value !== null ? { value: Buffer.from(r.value) } : {}),
        ...(r.headers ? { headers: outgoingHeaders(r.headers) } : {}),
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }
}

/** Headers to produce. A header with several values is refused: the client's API takes one value per name. */
function outgoingHeaders(headers: RecordHeaders): Map<Buffer, Buffer> {
  const out = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value))
      throw new Error(`header "${name}" has several values; the platformatic producer sends one value per header name`);
    out.set(Buffer.from(name), Buffer.from(value));
  }
  return out;
}

/** An error's message and, for the client's aggregate errors, those of its causes. */
function describe(error: unknown): string {
  const e = error as { message?: string; errors?: unknown[] };
  const inner = Array.isArray(e.errors) ? e.errors.map((x) => (x as Error).message).filter(Boolean) : [];
  return [e.message ?? String(error), ...inner].join(": ");
}
