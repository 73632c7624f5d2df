/**
 * A loopback proxy that reads the Kafka protocol's frames (an int32 size, then the message) both ways, for tests that
 * need the broker to answer one request as a real broker sometimes does, at a moment the test picks:
 * - `answerNext(apiKey, body)`: the next request with that api key never reaches the broker; the proxy answers it
 *   itself with `body(apiVersion)` (the response after its correlation id);
 * - `rewriteNextResponse(apiKey, edit)`: the broker's answer to the next such request reaches the client as `edit`
 *   left it (it gets the response after its correlation id, and may write into it).
 * A request header is read as its api key (int16), api version (int16) and correlation id (int32); a response header
 * as its correlation id alone, which holds for the non-flexible versions (v0 header) the callers use.
 */
import { startLoopbackProxy } from "./loopback-proxy.js";

/** A running proxy. */
export interface FrameProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Api key and version of every request clients sent, in order. */
  readonly requests: readonly { apiKey: number; apiVersion: number }[];
  answerNext(apiKey: number, body: (apiVersion: number) => Buffer): void;
  rewriteNextResponse(apiKey: number, edit: (body: Buffer, apiVersion: number) => void): void;
  close(): Promise<void>;
}

/** Calls `onFrame` with each whole frame (size prefix included) of a byte stream cut anywhere. */
function frameReader(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const end = 4 + pending.readInt32BE(0);
      onFrame(pending.subarray(0, end));
      pending = pending.subarray(end);
    }
  };
}

/** A response frame: size, correlation id, body. */
function responseFrame(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to 127.0.0.1:`targetPort`. */
export async function startFrameProxy(targetPort: number): Promise<FrameProxy> {
  const requests: { apiKey: number; apiVersion: number }[] = [];
  const answers = new Map<number, (apiVersion: number) => Buffer>();
  const rewrites = new Map<number, (body: Buffer, apiVersion: number) => void>();
  const proxy = await startLoopbackProxy(targetPort, (client, upstream) => {
    /** This connection's requests whose answer is to be rewritten: correlation id → edit and version. */
    const toRewrite = new Map<number, { edit: (body: Buffer, apiVersion: number) => void; apiVersion: number }>();
    client.on(
      "data",
      frameReader((frame) => {
        const apiKey = frame.readInt16BE(4);
        const apiVersion = frame.readInt16BE(6);
        const correlationId = frame.readInt32BE(8);
        requests.push({ apiKey, apiVersion });
        const answer = answers.get(apiKey);
        if (answer) {
          answers.delete(apiKey);
          client.write(responseFrame(correlationId, answer(apiVersion)));
          return;
        }
        const edit = rewrites.get(apiKey);
        if (edit) {
          rewrites.delete(apiKey);
          toRewrite.set(correlationId, { edit, apiVersion });
        }
        upstream.write(frame);
      }),
    );
    upstream.on(
      "data",
      frameReader((frame) => {
        const correlationId = frame.readInt32BE(4);
        const pending = toRewrite.get(correlationId);
        if (!pending) return void client.write(frame);
        toRewrite.delete(correlationId);
        const copy = Buffer.from(frame);
        pending.edit(copy.subarray(8), pending.apiVersion);
        client.write(copy);
      }),
    );
  });
  return {
    port: proxy.port,
    requests,
    answerNext: (apiKey, body) => void answers.set(apiKey, body),
    rewriteNextResponse: (apiKey, edit) => void rewrites.set(apiKey, edit),
    close: () => proxy.close(),
  };
}
