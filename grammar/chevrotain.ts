// Chevrotain, from the single-file bundle its package ships (lib/chevrotain.mjs, lodash included). The package's
// entry point (lib/src/api.js) imports lodash-es module by module: about 2,300 ESM files, 0.3-0.4 s of start-up for
// every `kefgen check`, against about 25 ms for the bundle. The bundle is not in the package's `exports`, so it is
// found next to the entry point. Types still come from "chevrotain"; nothing else may import its values, or there
// would be two Chevrotains (token type ids are counted per copy).
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundle = path.join(path.dirname(entry), "..", "chevrotain.mjs");
const chevrotain = (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;

export const { createToken, CstParser, Lexer } = chevrotain;
