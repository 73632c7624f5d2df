// A copy of an AST as data, made with `for…in` as grammar/incremental.ts `moved` copies one: the JSON nodes of the
// inline-schema fast path (grammar/inline-json.ts) make their ranges when first read, through an enumerable accessor
// of their prototype, where the grammar's nodes hold them as data. Compare ASTs through this.
export function plainAst<V>(value: V): V {
  if (Array.isArray(value)) return value.map(plainAst) as V;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = plainAst(value[k]);
  return out as V;
}
