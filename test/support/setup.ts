// Run before every test file: tsx's require hook, so that what the generator loads with `require` (the runtime's
// Avro codec, generator/avro-runtime.ts) is read from the TypeScript sources, as vitest reads what is imported.
import { register } from "tsx/cjs/api";

register();
