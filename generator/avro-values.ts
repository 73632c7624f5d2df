// How the values of a schema's types look at run time, read from the runtime's representation table
// (runtime/avro-representation.ts), so that the generated types and the codecs cannot disagree.
import {
  avroRepresentation,
  unionIsWrapped as bucketsAreWrapped,
  type ValueBucket,
  type ValueRepresentation,
} from "../runtime/avro-representation.js";
import type { AvroFixed, AvroPrimitive, AvroType, NamedLookup } from "./avro-types.js";

/** The representation of a primitive's or a fixed's values (its logical type's, when it has one kefgen interprets). */
export function valueRepresentation(
  t: AvroPrimitive | AvroFixed,
): ValueRepresentation & { readonly typeScript: string } {
  if (t.logical) return avroRepresentation[t.logical.name];
  if (t.kind === "fixed") return avroRepresentation.fixed;
  return t.bigint ? avroRepresentation["abstract:long"] : avroRepresentation[t.name];
}

/** The JavaScript bucket of `t`'s values, as the runtime's union rule sorts them. */
function bucket(t: AvroType, lookup: NamedLookup): ValueBucket | "union" {
  switch (t.kind) {
    case "primitive":
    case "fixed":
      return valueRepresentation(t).bucket;
    case "enum":
    case "record":
    case "map":
    case "array":
      return avroRepresentation[t.kind].bucket;
    case "union":
      return "union";
    case "ref": {
      const target = lookup(t.fullName);
      if (!target) throw new Error(`internal: Avro type ${t.fullName} was not linked`);
      return bucket(target, lookup);
    }
  }
}

/** Whether the runtime holds this union's values wrapped (`{ "branch": value }`): two branches share a bucket. */
export function unionIsWrapped(t: Extract<AvroType, { kind: "union" }>, lookup: NamedLookup): boolean {
  // A union directly inside a union is invalid Avro (reading rejects it), so a branch's bucket is never "union".
  return bucketsAreWrapped(t.branches.map((b) => bucket(b, lookup) as ValueBucket));
}
