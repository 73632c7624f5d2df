// An in-process Transport whose producers record what they are sent (the consumer side is not used): for the
// ProducerRuntime unit tests and the producer exporters' tests.
import type {
  OutgoingRecord,
  ProducerSettings,
  Transport,
  TransportProducer,
} from "../../runtime/transport/transport.js";

export interface FakeProducer extends TransportProducer {
  readonly settings: ProducerSettings | undefined;
  readonly sent: { topic: string; records: readonly OutgoingRecord[] }[];
  connected: boolean;
  /** Sends wait for this before being acknowledged. */
  gate: Promise<void>;
  /** When set, sends reject with it (after the gate) and nothing is recorded as sent. */
  fail?: Error;
}

export function fakeTransport(options: { failConnectAt?: number } = {}): {
  transport: Transport;
  producers: FakeProducer[];
} {
  const producers: FakeProducer[] = [];
  const transport = {
    client: "fake",
    createMember: () => {
      throw new Error("not used");
    },
    admin: () => {
      throw new Error("not used");
    },
    createProducer(settings?: ProducerSettings): TransportProducer {
      const index = producers.length;
      const p: FakeProducer = {
        settings,
        sent: [],
        connected: false,
        gate: Promise.resolve(),
        async connect() {
          if (options.failConnectAt === index) throw new Error("broker unreachable");
          p.connected = true;
        },
        async send(topic, records) {
          if (!p.connected) throw new Error("send on a disconnected producer");
          await p.gate;
          if (p.fail) throw p.fail;
          p.sent.push({ topic, records });
        },
        async disconnect() {
          p.connected = false;
        },
      };
      producers.push(p);
      return p;
    },
  } satisfies Transport;
  return { transport, producers };
}
