// Runs every emitter over the model and returns the generated files, headed and formatted.
import { createContext, header, type EmitOptions } from "./context.js";
import { emitCodecs } from "./emit-codecs.js";
import { emitConsumers } from "./emit-consumers.js";
import { emitMessages } from "./emit-messages.js";
import { emitProducers } from "./emit-producers.js";
import { emitIndex, emitWiring } from "./emit-wiring.js";
import { formatTypeScript } from "./format.js";
import type { GeneratedFile } from "./generated.js";
import type { Model } from "./model.js";

export type { GeneratedFile } from "./generated.js";

export async function emit(model: Model, options: EmitOptions): Promise<GeneratedFile[]> {
  const ctx = createContext(model, options);
  emitMessages(ctx);
  emitCodecs(ctx);
  emitConsumers(ctx);
  emitWiring(ctx);
  emitProducers(ctx);
  emitIndex(ctx);
  const files: GeneratedFile[] = [];
  for (const file of ctx.project.getSourceFiles()) {
    const name = file.getBaseName();
    files.push({ name, text: await formatTypeScript(header(ctx) + "\n" + file.getFullText()) });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
