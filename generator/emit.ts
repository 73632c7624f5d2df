// Runs every emitter over the model and returns the generated files, headed and formatted.
import { createContext, header, type EmitOptions } from "./context.js";
import { emitCodecs } from "./emit-codecs.js";
import { emitConsumers } from "./emit-consumers.js";
import { emitMessages } from "./emit-messages.js";
import { emitProducers } from "./emit-producers.js";
import { emitIndex, emitWiring } from "./emit-wiring.js";
import { renderFile } from "./format.js";
import type { EmitCache, GeneratedFile } from "./generated.js";
import type { Model } from "./model.js";

export type { GeneratedFile } from "./generated.js";

/**
 * The generated files of `model`. `cache` (one per project, kept across builds by `kefgen build --watch`) holds
 * the statements already printed and formatted; afterwards it holds exactly those of this build.
 */
export async function emit(model: Model, options: EmitOptions, cache: EmitCache = new Map()): Promise<GeneratedFile[]> {
  const ctx = createContext(model, options);
  emitMessages(ctx);
  emitCodecs(ctx);
  emitConsumers(ctx);
  emitWiring(ctx);
  emitProducers(ctx);
  emitIndex(ctx);
  const used = new Set<string>();
  const files: GeneratedFile[] = [];
  for (const [name, statements] of ctx.files)
    files.push({ name, text: renderFile(header(ctx), statements, cache, used) });
  for (const key of cache.keys()) if (!used.has(key)) cache.delete(key);
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
