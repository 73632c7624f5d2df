import { afterEach, describe, expect, it, vi } from 'vitest';
import { TopicChannel, type ChannelRecord } from '../../runtime/topic-channel.js';
import { PartitionOffsets } from '../../runtime/offset-tracker.js';
import { RuntimeEventEmitter, RuntimeEvents, type RuntimeEventMap } from '../../runtime/events.js';
import { DecodeError } from '../../runtime/errors.js';
import { silentLogger } from '../../runtime/logger.js';
import type { BackpressureMode, MessageContext, MessageHandler } from '../../runtime/types.js';
import { message } from './fake-consumer.js';
import { binding, deferred, flush } from './helpers.js';

interface Setup {
  channel: TopicChannel;
  events: { [E in keyof RuntimeEventMap]: RuntimeEventMap[E][] };
  partitions: Map<number, PartitionOffsets>;
  offer(partition: number, offset: number, value?: string | null): ReturnType<TopicChannel['offer']>;
  drained: number;
}

function setup(
  handle: MessageHandler<string>,
  buffer: { maxBufferedMessages?: number; backpressure?: BackpressureMode } = {},
  retry = { initialDelayMs: 100, maxDelayMs: 30_000 },
): Setup {
  const emitter = new RuntimeEventEmitter(silentLogger);
  const events = { handlerError: [], decodeError: [], dropped: [], paused: [], resumed: [], committed: [], crash: [], offsetReset: [] } as Setup['events'];
  for (const name of Object.values(RuntimeEvents)) emitter.on(name, ((payload: unknown) => (events[name] as unknown[]).push(payload)) as never);
  const partitions = new Map<number, PartitionOffsets>();
  const result: Setup = {
    channel: undefined as unknown as TopicChannel,
    events,
    partitions,
    drained: 0,
    offer(partition, offset, value = `v${offset}`) {
      let offsets = partitions.get(partition);
      if (!offsets) partitions.set(partition, (offsets = new PartitionOffsets('orders', partition, offset)));
      const record: ChannelRecord = { topic: 'orders', partition, offset, message: message(offset, value), offsets };
      const outcome = result.channel.offer(record);
      if (outcome.kind !== 'full') offsets.track(offset, outcome.kind === 'droppedNewest');
      return outcome;
    },
  };
  result.channel = new TopicChannel({
    connection: 'shared',
    binding: binding('orders', handle, buffer),
    events: emitter,
    logger: silentLogger,
    retry,
    onDrained: () => result.drained++,
  });
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TopicChannel', () => {
  it('handles records one at a time in buffer order, with their context, and marks them done', async () => {
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const t = setup(async (value, context) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(`${context.partition}:${context.offset}:${value}`);
      running--;
    });
    t.offer(0, 0);
    t.offer(1, 0);
    t.offer(0, 1);
    t.offer(1, 1);
    t.channel.start();
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    expect(seen).toEqual(['0:0:v0', '1:0:v0', '0:1:v1', '1:1:v1']);
    expect(maxRunning).toBe(1);
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.partitions.get(1)!.committable()).toBe(2);
    expect(t.channel.metrics()).toMatchObject({ topic: 'orders', messageType: 'test.orders', handled: 4, errors: 0, buffered: 0 });
    expect(t.channel.metrics().handlerLatencyMs.count).toBe(4);
    await t.channel.stop();
  });

  it('passes the decoded message and the record context to the handler', async () => {
    const contexts: MessageContext[] = [];
    const t = setup((_value, context) => {
      contexts.push(context);
    });
    t.offer(3, 17, 'hello');
    t.channel.start();
    await vi.waitFor(() => expect(contexts).toHaveLength(1));
    expect(contexts[0]).toEqual({ topic: 'orders', partition: 3, offset: '17', key: null, headers: {}, timestamp: '1700000000000' });
    await t.channel.stop();
  });

  it('retries a failing handler on the same record with exponential backoff, holding later records back', async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    let failures = 3;
    const t = setup(async (value) => {
      calls.push(value);
      if (value === 'v0' && failures-- > 0) throw new Error(`boom ${failures}`);
    });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['v0']);
    expect(t.events.handlerError.map((e) => [e.attempt, e.retryInMs])).toEqual([[1, 100]]);

    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toEqual(['v0']); // still backing off
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['v0', 'v0']);
    expect(t.events.handlerError.map((e) => [e.attempt, e.retryInMs])).toEqual([[1, 100], [2, 200]]);
    expect(t.partitions.get(0)!.committable()).toBe(0); // not done while failing

    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toEqual(['v0', 'v0', 'v0', 'v0', 'v1']);
    expect(t.events.handlerError).toHaveLength(3);
    expect(t.events.handlerError[0]).toMatchObject({ connection: 'shared', topic: 'orders', partition: 0, offset: '0' });
    expect((t.events.handlerError[2]!.error as Error).message).toBe('boom 0');
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.channel.metrics()).toMatchObject({ handled: 2, errors: 3 });
    await t.channel.stop();
  });

  it('caps the backoff at maxDelayMs', async () => {
    vi.useFakeTimers();
    const t = setup(() => {
      throw new Error('always');
    }, {}, { initialDelayMs: 100, maxDelayMs: 250 });
    t.offer(0, 0);
    t.channel.start();
    await vi.advanceTimersByTimeAsync(100 + 200 + 250 + 250);
    expect(t.events.handlerError.map((e) => e.retryInMs)).toEqual([100, 200, 250, 250, 250]);
    await t.channel.stop();
  });

  it('counts a record that cannot be decoded, reports it with its position and moves past it', async () => {
    const seen: string[] = [];
    const t = setup((value) => {
      seen.push(value);
    });
    t.offer(0, 0, 'bad bytes');
    t.offer(0, 1, null); // tombstone
    t.offer(0, 2, 'good');
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(['good']));
    expect(t.events.decodeError).toHaveLength(2);
    const [first, second] = t.events.decodeError;
    expect(first!.error).toBeInstanceOf(DecodeError);
    expect(first!.error).toMatchObject({ topic: 'orders', partition: 0, offset: '0', retriable: false, code: 'KEF_DECODE_ERROR' });
    expect(first!.error.message).toContain('unreadable: bad bytes');
    expect(second!.error.message).toContain('tombstone');
    expect(t.events.handlerError).toHaveLength(0);
    expect(t.channel.metrics()).toMatchObject({ handled: 1, errors: 2 });
    expect(t.partitions.get(0)!.committable()).toBe(3);
    await t.channel.stop();
  });

  it('stop() cuts a retry backoff short and leaves the failing record not done', async () => {
    const t = setup(() => {
      throw new Error('down');
    }, {}, { initialDelayMs: 60_000, maxDelayMs: 60_000 });
    t.offer(0, 0);
    t.channel.start();
    await vi.waitFor(() => expect(t.events.handlerError).toHaveLength(1));
    const started = Date.now();
    await t.channel.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    expect(t.channel.busy).toBe(false);
  });

  it('stop() waits for the handler call in flight and takes no further record', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const t = setup(async (value) => {
      seen.push(value);
      await gate.promise;
    });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(['v0']));
    let stopped = false;
    const stopping = t.channel.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(seen).toEqual(['v0']);
    expect(t.partitions.get(0)!.committable()).toBe(1); // v0 done, v1 never started
    expect(t.channel.size).toBe(1);
  });

  it('abandons retries of a record whose partition was revoked, and skips queued revoked records', async () => {
    const seen: string[] = [];
    const t = setup((value, context) => {
      seen.push(`${context.partition}:${value}`);
      if (context.partition === 0) throw new Error('fails');
    }, {}, { initialDelayMs: 5, maxDelayMs: 5 });
    t.offer(0, 0);
    t.offer(1, 0);
    t.channel.start();
    await vi.waitFor(() => expect(t.events.handlerError.length).toBeGreaterThanOrEqual(1));
    t.partitions.get(0)!.revoke();
    await vi.waitFor(() => expect(seen).toContain('1:v0'));
    const attempts = t.events.handlerError.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(t.events.handlerError.length).toBe(attempts);
    await t.channel.stop();
  });

  it('DropOldestMessage: marks the evicted record done and emits dropped', async () => {
    const gate = deferred();
    const t = setup(() => gate.promise, { maxBufferedMessages: 2, backpressure: 'DropOldestMessage' });
    t.offer(0, 0);
    t.channel.start();
    await flush(); // the dispatcher holds offset 0 in flight
    expect(t.offer(0, 1).kind).toBe('accepted');
    expect(t.offer(0, 2).kind).toBe('accepted');
    expect(t.offer(0, 3)).toMatchObject({ kind: 'droppedOldest' });
    expect(t.events.dropped).toEqual([{ connection: 'shared', topic: 'orders', partition: 0, offset: '1', mode: 'DropOldestMessage' }]);
    gate.resolve();
    await vi.waitFor(() => expect(t.partitions.get(0)!.committable()).toBe(4));
    expect(t.channel.metrics()).toMatchObject({ dropped: 1, handled: 3 });
    await t.channel.stop();
  });

  it('DropNewestMessage: emits dropped for the offered record and keeps the buffer', async () => {
    const t = setup(() => {}, { maxBufferedMessages: 1, backpressure: 'DropNewestMessage' });
    expect(t.offer(0, 0).kind).toBe('accepted');
    expect(t.offer(0, 1).kind).toBe('droppedNewest');
    expect(t.events.dropped).toEqual([{ connection: 'shared', topic: 'orders', partition: 0, offset: '1', mode: 'DropNewestMessage' }]);
    expect(t.channel.metrics()).toMatchObject({ dropped: 1, buffered: 1 });
    expect(t.partitions.get(0)!.committable()).toBe(0);
  });

  it('signals drained when the dispatcher takes a record at or below half capacity', async () => {
    const gates = [deferred(), deferred(), deferred(), deferred()];
    let call = 0;
    const t = setup(() => gates[call++]!.promise, { maxBufferedMessages: 4 });
    for (let o = 0; o < 4; o++) t.offer(0, o);
    expect(t.offer(0, 4).kind).toBe('full');
    expect(t.channel.resumeThreshold).toBe(2);
    t.channel.start();
    await flush();
    expect(t.channel.size).toBe(3);
    expect(t.drained).toBe(0);
    gates[0]!.resolve();
    await flush();
    expect(t.channel.size).toBe(2);
    expect(t.drained).toBe(1);
    gates.slice(1).forEach((g) => g.resolve());
    await t.channel.stop();
  });
});
