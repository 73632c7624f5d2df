// Checks a message's codec schema with avsc exactly as the runtime builds it, remembering the answer by the schema's
// content: avsc compiles readers and writers with `new Function` for every record type, which costs more than the
// rest of checking the schema, so a schema that did not change (the next `analyse()` of the language server, a
// watch rebuild) is not compiled again.
//
// A message whose read schema is the same object as in the last `analyse()` (message-schemas.ts keeps it while the
// declaration is unchanged) and whose codec schema takes the same named types from the other messages keeps its
// verdict without even building its codec schema again (`checkMessageCodec`).
//
// The first check of a schema also compiles less (see `withoutUnusedCompilation`): the type is only built to see
// whether avsc accepts the schema, then dropped, so the code it would read records with is never run. avsc itself is
// loaded only then (avro-runtime.ts): a project whose schemas codec-accepts.ts vouches for never loads it.
import { avroCodecModule, avscModule } from "./avro-runtime.js";
import { codecSchema } from "./avro-codec-schema.js";
import { avscAccepts } from "./codec-accepts.js";
import type { AvroNamed, AvroSchema, NamedLookup } from "./avro-types.js";

/** Outcomes by the codec schema's text; what avsc threw, or undefined for a schema it accepts. */
const outcomes = new Map<string, { readonly error: unknown }>();
/** Bound on remembered schemas (an editor session edits many versions of a schema); past it the oldest go. */
const maxOutcomes = 20_000;

/** The schema as text; non-finite numbers (a JSON literal such as `1e999`) are kept apart from `null`. */
function keyOf(schema: unknown): string {
  return JSON.stringify(schema, (_key, value: unknown) =>
    typeof value === "number" && !Number.isFinite(value) ? { "\u0000number": String(value) } : value,
  );
}

/**
 * Builds the avsc type of `schema` (the first time for that content); throws what avsc threw. A schema that
 * codec-accepts.ts vouches for is accepted without building it.
 */
export function checkCodecSchema(schema: unknown): void {
  if (avscAccepts(schema)) return;
  const key = keyOf(schema);
  let outcome = outcomes.get(key);
  if (!outcome) {
    try {
      // Loaded before avsc is patched: the runtime's module builds avsc types of its own when first loaded.
      const { avroType } = avroCodecModule();
      withoutUnusedCompilation(() => avroType(schema));
      outcome = { error: undefined };
    } catch (error) {
      outcome = { error };
    }
    if (outcomes.size >= maxOutcomes) outcomes.delete(outcomes.keys().next().value!);
    outcomes.set(key, outcome);
  }
  if (outcome.error !== undefined) throw outcome.error;
}

/**
 * Verdicts by message schema: the named types its codec schema took from the lookup (by full name) and what was
 * thrown. The codec schema is made from the schema and those types only (avro-codec-schema.ts), all read-only, so
 * the same schema with the same types gives the same codec schema, hence the same verdict. A weak map: a schema no
 * longer used takes its entry along.
 */
const verdicts = new WeakMap<
  AvroSchema,
  { readonly used: ReadonlyMap<string, AvroNamed | undefined>; readonly error: unknown }
>();

/**
 * Checks a message's codec schema (`codecSchema(schema, lookup)`) with avsc as `checkCodecSchema` does; throws what
 * building the codec schema or avsc threw. Unchanged since the last check of the same schema object: not built again.
 */
export function checkMessageCodec(schema: AvroSchema, lookup: NamedLookup): void {
  let verdict = verdicts.get(schema);
  if (!verdict || [...verdict.used].some(([name, type]) => lookup(name) !== type)) {
    const used = new Map<string, AvroNamed | undefined>();
    let error: unknown;
    try {
      checkCodecSchema(
        codecSchema(schema, (name) => {
          const type = lookup(name);
          used.set(name, type);
          return type;
        }),
      );
    } catch (thrown) {
      error = thrown;
    }
    verdicts.set(schema, (verdict = { used, error }));
  }
  if (verdict.error !== undefined) throw verdict.error;
}

/** avsc's internals replaced below; not in its type declarations. */
interface TypeInternals {
  readonly branchName: string;
  _createBranchConstructor(this: TypeInternals): unknown;
}
interface RecordInternals {
  _createReader(this: RecordInternals): (...args: unknown[]) => unknown;
  _createSkipper(this: RecordInternals): (...args: unknown[]) => unknown;
  _createChecker(this: RecordInternals): (...args: unknown[]) => unknown;
}

/**
 * Runs `build` (which builds an avsc type, then drops it) with less of avsc's code generation, accepting and
 * refusing exactly the schemas avsc does (test/generator/codec-check.test.ts compares both on many schemas):
 *
 * - A record's reader, skipper and checker are compiled when first called instead of in its constructor. Building
 *   a type calls none of them (one that is called compiles then, as before, and works the same). Compiling them
 *   throws nothing the record's constructor (compiled first, kept) does not: they are built from the same names and
 *   defaults, with at most one parameter more, and a schema within KEF3007's limit of 100,000 JSON values has at
 *   most 20,000 fields, far below V8's 65,535 parameters.
 * - A type's union-branch constructor is a closure instead of code compiled with `new Function`: the same behaviour
 *   (it sets and unwraps the value under the branch's name), without a compilation per type.
 *
 * The writer is still compiled in the constructor: compiling it encodes each field's default, which can fail.
 * Synchronous, and the originals are back before it returns or throws, so no other use of avsc sees the change.
 */
function withoutUnusedCompilation<T>(build: () => T): T {
  const avro = avscModule();
  const typePrototype = avro.Type.prototype as unknown as TypeInternals;
  const recordPrototype = avro.types.RecordType.prototype as unknown as RecordInternals;
  const originals = {
    branch: typePrototype._createBranchConstructor,
    reader: recordPrototype._createReader,
    skipper: recordPrototype._createSkipper,
    checker: recordPrototype._createChecker,
  };
  typePrototype._createBranchConstructor = branchConstructor;
  recordPrototype._createReader = compiledWhenCalled(originals.reader);
  recordPrototype._createSkipper = compiledWhenCalled(originals.skipper);
  recordPrototype._createChecker = compiledWhenCalled(originals.checker);
  try {
    return build();
  } finally {
    typePrototype._createBranchConstructor = originals.branch;
    recordPrototype._createReader = originals.reader;
    recordPrototype._createSkipper = originals.skipper;
    recordPrototype._createChecker = originals.checker;
  }
}

/** A `_create…` method whose function is made by `create` on its first call, then reused. */
function compiledWhenCalled(
  create: (this: RecordInternals) => (...args: unknown[]) => unknown,
): (this: RecordInternals) => (...args: unknown[]) => unknown {
  return function (this: RecordInternals) {
    const make = () => create.call(this);
    let compiled: ((...args: unknown[]) => unknown) | undefined;
    return function (this: unknown, ...args: unknown[]) {
      compiled ??= make();
      return compiled.apply(this, args);
    };
  };
}

/** avsc's `Type.prototype._createBranchConstructor` (lib/types.js), as a closure. */
function branchConstructor(this: TypeInternals): unknown {
  const name = this.branchName;
  if (name === "null") return null;
  const Branch = function Branch$(this: Record<string, unknown>, value: unknown) {
    this[name] = value;
  } as unknown as { type: unknown; prototype: { unwrap(): unknown; unwrapped(): unknown } };
  Branch.type = this;
  Branch.prototype.unwrap = function (this: Record<string, unknown>) {
    return this[name];
  };
  Branch.prototype.unwrapped = Branch.prototype.unwrap;
  return Branch;
}
