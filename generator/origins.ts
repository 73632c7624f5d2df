// Provenance of effective settings: which layer (default → shared → connection → topic) wrote each
// value, for `kefgen plan`. The checker resolves the values; this only remembers who won.
import type { Range } from "../grammar/ast.js";
import type { SettingOrigin } from "./model.js";
import { settingsCatalogue, type SettingScope } from "./settings.js";

/** A checked settings block: its file and the range of every value it wrote. */
interface Layer {
  readonly file?: string;
  readonly values: ReadonlyMap<string, { readonly range: Range }>;
}

/**
 * The origin of every setting of `scope`: the last layer that wrote it (`file:line`), else `default`.
 * `fallbackFile` names the file of a layer that does not know its own.
 */
export function settingOrigins(
  layers: readonly (readonly [SettingOrigin["from"], Layer])[],
  scope: SettingScope,
  fallbackFile: string,
): Record<string, SettingOrigin> {
  const out: Record<string, SettingOrigin> = {};
  for (const info of settingsCatalogue) if (info.scope === scope) out[info.name] = { from: "default" };
  for (const [from, layer] of layers) {
    for (const [name, { range }] of layer.values) {
      if (name in out) out[name] = { from, at: `${layer.file ?? fallbackFile}:${range.start.line}` };
    }
  }
  return out;
}
