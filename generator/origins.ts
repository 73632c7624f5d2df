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
  const out: Record<string, SettingOrigin> = { ...defaultOrigins(scope) };
  for (const [from, layer] of layers) {
    for (const [name, { range }] of layer.values) {
      if (name in out) out[name] = { from, at: `${layer.file ?? fallbackFile}:${range.start.line}` };
    }
  }
  return out;
}

/** The origins of a scope before any layer: every setting's default (read-only, so shared), made once per scope. */
const defaults = new Map<SettingScope, Readonly<Record<string, SettingOrigin>>>();

function defaultOrigins(scope: SettingScope): Readonly<Record<string, SettingOrigin>> {
  let out = defaults.get(scope);
  if (!out) {
    const made: Record<string, SettingOrigin> = {};
    for (const info of settingsCatalogue)
      if (info.scope === scope) made[info.name] = Object.freeze({ from: "default" });
    defaults.set(scope, (out = made));
  }
  return out;
}
