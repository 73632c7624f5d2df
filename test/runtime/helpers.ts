// Small helpers shared by the runtime unit tests (not a test file).

import { vi } from "vitest";
import type { Codec, ConnectionSettings, TopicBinding, BackpressureMode, MessageHandler } from "../../runtime/types.js";
import type { LogFields, RuntimeLogger } from "../../runtime/logger.js";

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A codec of UTF-8 strings that refuses values starting with "bad". */
export const textCodec: Codec<string> = {
  decode(value) {
    const text = value.toString("utf8");
    if (text.startsWith("bad")) throw new Error(`unreadable: ${text}`);
    return text;
  },
  encode: (value) => Buffer.from(value, "utf8"),
};

export function binding(
  topic: string,
  handle: MessageHandler<string>,
  buffer: { maxBufferedMessages?: number; backpressure?: BackpressureMode; concurrency?: number } = {},
): TopicBinding<string> {
  return {
    topic,
    messageType: `test.${topic}`,
    codec: textCodec,
    buffer: {
      maxBufferedMessages: buffer.maxBufferedMessages ?? 100,
      backpressure: buffer.backpressure ?? "ApplyBackpressure",
      ...(buffer.concurrency !== undefined ? { concurrency: buffer.concurrency } : {}),
    },
    handle,
  };
}

/** A logger that keeps every line (level, message, fields) for assertions. */
export function recordingLogger(): RuntimeLogger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function settings(overrides: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    groupId: "group-1",
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    maxPollIntervalMs: 300_000,
    enableAutoCommit: false,
    autoCommitIntervalMs: 5_000,
    autoOffsetReset: "earliest",
    maxPollRecords: 500,
    fetchMinBytes: 1,
    fetchMaxWaitMs: 500,
    ...overrides,
  };
}

/** Lets pending promise continuations (the dispatcher) run. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * vitest's fake clock for tests about time (backpressure waits, intervals, backoff, deadlines): timers,
 * Date and performance are faked, setImmediate stays real (for {@link flush}), so time moves only when
 * the test advances it (`vi.useFakeTimers(FAKE_CLOCK)`, then {@link settle} / {@link advanceUntil}). On a
 * loaded machine a handler's 1 ms sleep can last longer than the runtime's 25 ms idle window; on the real
 * clock such a test measures the machine.
 */
export const FAKE_CLOCK = {
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"],
} satisfies Parameters<typeof vi.useFakeTimers>[0];

/** Advances the fake clock 1 ms at a time until `condition` holds; fails after `limitMs` of fake time. */
export async function advanceUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 10_000,
): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  for (let ms = 0; !(await condition()); ms++) {
    if (ms >= limitMs) throw new Error(`${what} did not happen within ${limitMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(1);
  }
}

/** Runs the fake clock until `promise` settles, and returns it. */
export async function settle<T>(promise: Promise<T>, limitMs = 10_000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await advanceUntil(() => settled, "the promise to settle", limitMs);
  return promise;
}
