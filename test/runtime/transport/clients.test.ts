// Choosing the Kafka client: the Node.js floor of @platformatic/kafka, the errors for a missing peer
// install and an old Node, and the settings kafkajs cannot honour (refused by the runtime too, for a
// client chosen in the options rather than in the .kef).
import { describe, expect, it } from "vitest";
import { ClientUnavailableError, ConsumerRuntime, silentLogger, type ConnectionSpec } from "../../../runtime/index.js";
import { loadPlatformatic, platformaticRunsOn, unsupportedSettings } from "../../../runtime/transport/clients.js";
import { testSettings } from "../../support/guarantees.js";

const spec = (overrides: Partial<ConnectionSpec["settings"]>): ConnectionSpec[] => [
  {
    name: "shared",
    kind: "shared",
    settings: testSettings("g", overrides),
    topics: [
      {
        topic: "t",
        messageType: "T",
        codec: { decode: (b: Buffer) => b, encode: (b: Buffer) => b },
        buffer: { maxBufferedMessages: 1, backpressure: "ApplyBackpressure" },
        handle: () => {},
      },
    ],
  },
];

describe("the Kafka client choice", () => {
  it("knows the Node.js versions @platformatic/kafka declares (22.22+ on 22, 24.6+ on 24, later majors)", () => {
    expect(["20.20.2", "22.21.9", "23.11.0", "24.5.0"].map((v) => platformaticRunsOn(v))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(["22.22.0", "22.30.1", "24.6.0", "25.0.0"].map((v) => platformaticRunsOn(v))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it("on an older Node.js, loading platformatic fails naming the floor and the Node.js it runs on", async () => {
    const failure = loadPlatformatic("20.20.2", () => Promise.reject(new Error("must not be imported")));
    await expect(failure).rejects.toBeInstanceOf(ClientUnavailableError);
    await expect(failure).rejects.toThrow(
      "client = platformatic needs Node.js 22.22 (on Node 22) or 24.6 (on Node 24); this is Node.js 20.20.2",
    );
  });

  it("without the peer dependency installed, loading fails saying npm install @platformatic/kafka", async () => {
    const notFound = Object.assign(
      new Error(
        "Cannot find package '@platformatic/kafka' imported from /app/node_modules/kefgen/dist/runtime/transport/clients.js",
      ),
      { code: "ERR_MODULE_NOT_FOUND" },
    );
    const failure = loadPlatformatic("22.22.0", () => Promise.reject(notFound));
    await expect(failure).rejects.toThrow(
      "client = platformatic needs the optional peer dependency @platformatic/kafka: npm install @platformatic/kafka",
    );
    await expect(failure).rejects.toMatchObject({ client: "platformatic", cause: notFound });
  });

  it("kafkajs refuses static membership and autoOffsetReset = none; platformatic honours both", () => {
    const settings = testSettings("g", { groupInstanceId: "i-1", autoOffsetReset: "none" });
    expect(unsupportedSettings("kafkajs", settings)).toEqual([
      "groupInstanceId: kafkajs has no static group membership (group.instance.id)",
      "autoOffsetReset = none: kafkajs always resets to earliest or latest; it cannot fail on a missing offset",
    ]);
    expect(unsupportedSettings("platformatic", settings)).toEqual([]);
    expect(unsupportedSettings("kafkajs", testSettings("g"))).toEqual([]);
  });

  it("a runtime refuses at construction a setting its connection's client cannot honour, naming the connection and the client", () => {
    expect(
      () =>
        new ConsumerRuntime(spec({ groupInstanceId: "i-1" }), { brokers: ["localhost:1"] }, { logger: silentLogger }),
    ).toThrow(
      'connection "shared" runs on kafkajs, which cannot honour groupInstanceId: kafkajs has no static group membership (group.instance.id). Choose client = platformatic or drop the setting',
    );
    // The same settings on platformatic (from the options or the .kef) construct.
    expect(
      () =>
        new ConsumerRuntime(
          spec({ groupInstanceId: "i-1" }),
          { brokers: ["localhost:1"] },
          { logger: silentLogger, client: "platformatic" },
        ),
    ).not.toThrow();
    expect(
      () =>
        new ConsumerRuntime(
          spec({ groupInstanceId: "i-1", client: "platformatic" }),
          { brokers: ["localhost:1"] },
          { logger: silentLogger },
        ),
    ).not.toThrow();
    // The .kef's choice wins over the options'.
    expect(
      () =>
        new ConsumerRuntime(
          spec({ autoOffsetReset: "none", client: "kafkajs" }),
          { brokers: ["localhost:1"] },
          { logger: silentLogger, client: "platformatic" },
        ),
    ).toThrow(ClientUnavailableError);
  });

  it("platformatic needs broker addresses, not a kafkajs instance", async () => {
    const { Kafka } = await import("kafkajs");
    expect(
      () =>
        new ConsumerRuntime(
          spec({}),
          { kafka: new Kafka({ brokers: ["localhost:1"] }) },
          { logger: silentLogger, client: "platformatic" },
        ),
    ).toThrow("client = platformatic needs `brokers` (a kafkajs `Kafka` instance cannot be used by it)");
  });
});
