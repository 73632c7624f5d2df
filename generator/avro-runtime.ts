// The runtime's Avro codec (runtime/avro-codec.ts) and avsc, loaded the first time the generator needs avsc itself:
// to build a schema codec-accepts.ts does not vouch for, a writer schema, or `--against`'s old schemas. Loading
// avsc (with zlib, streams and crypto, which it requires) is ~25 ms of a process's start that `kefgen check` of
// schemas codec-accepts.ts vouches for does without. Synchronous, as the stages are: `require` loads an ES module
// since Node 20.19 and 22.12 (in tests, which run the TypeScript sources, tsx's require hook reads them:
// test/support/setup.ts). Where it cannot (Node 22 before 22.12), the CLI loads both at start (`loadAvroRuntime`).
import { createRequire } from "node:module";

type AvroCodecModule = typeof import("../runtime/avro-codec.js");
type Avsc = typeof import("avsc");

const require = createRequire(import.meta.url);
let codec: AvroCodecModule | undefined;
let avsc: Avsc | undefined;

/** runtime/avro-codec.ts: `avroType` builds a schema's avsc type exactly as generated code does. */
export function avroCodecModule(): AvroCodecModule {
  return (codec ??= require("../runtime/avro-codec.js") as AvroCodecModule);
}

/** avsc, the same instance the runtime's codec uses. */
export function avscModule(): Avsc {
  return (avsc ??= require("avsc") as Avsc);
}

/**
 * Loads both now, with `import()`, where `require()` cannot load an ES module (Node 22 before 22.12, or
 * `--no-experimental-require-module`); does nothing where it can. The CLI calls it before running a command.
 */
export async function loadAvroRuntime(): Promise<void> {
  if ((process.features as { readonly require_module?: boolean }).require_module === true) return;
  codec ??= await import("../runtime/avro-codec.js");
  avsc ??= (await import("avsc")).default;
}
