import avro from 'avsc';
import { describe, expect, it, vi } from 'vitest';
import { avroCodec, DecodeError } from '../../runtime/index.js';

const schema = {
  type: 'record',
  name: 'OrderCreated',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
};

describe('avroCodec', () => {
  it('round-trips values', () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const bytes = codec.encode({ id: 'o-1', amount: 42 });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(codec.decode(bytes)).toEqual({ id: 'o-1', amount: 42 });
  });

  it('builds the avsc type once, not per record', () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const spy = vi.spyOn(avro.Type, 'forSchema');
    for (let i = 0; i < 5; i++) codec.decode(codec.encode({ id: `o-${i}`, amount: i }));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('throws a DecodeError (not retriable) on malformed or trailing bytes', () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const good = codec.encode({ id: 'o-1', amount: 1 });
    for (const bad of [Buffer.from([0xff, 0xff, 0xff]), Buffer.concat([good, Buffer.from([1])])]) {
      let thrown: unknown;
      try {
        codec.decode(bad);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DecodeError);
      expect(thrown).toMatchObject({ retriable: false, topic: undefined });
      expect((thrown as DecodeError).message).toContain('shop.OrderCreated');
      expect((thrown as DecodeError).cause).toBeDefined();
    }
  });

  it('DecodeError.at adds the record position', () => {
    const error = DecodeError.at(new DecodeError('invalid payload', { cause: 'x' }), { topic: 't', partition: 2, offset: '9' });
    expect(error).toMatchObject({ topic: 't', partition: 2, offset: '9', message: 'invalid payload (t[2]@9)', cause: 'x' });
    expect(DecodeError.at(error, { topic: 't', partition: 2, offset: '9' }).message).toBe('invalid payload (t[2]@9)');
    expect(DecodeError.at(new TypeError('nope'), { topic: 't', partition: 0, offset: '1' }).message).toBe('cannot decode record: nope (t[0]@1)');
  });
});
