// The benchmark's two Avro record types (about 100 bytes and about 1 KB encoded) and a deterministic
// generator of varied values, so the decoders do realistic work (strings, longs, doubles, enums,
// unions, an array of nested records) rather than decoding one repeated blob.

import avro from "avsc";

/** The record sizes the benchmark runs. */
export type RecordSize = "small" | "large";

export const RECORD_SIZES: readonly RecordSize[] = ["small", "large"];

/** ~100 bytes encoded: a flat event. */
export const smallEventSchema = {
  type: "record",
  name: "SmallEvent",
  namespace: "kefgen.bench",
  fields: [
    { name: "id", type: "string" },
    { name: "sequence", type: "long" },
    { name: "createdAt", type: "long" },
    { name: "customerId", type: "string" },
    { name: "amount", type: "double" },
    { name: "currency", type: { type: "enum", name: "Currency", symbols: ["EUR", "USD", "GBP", "CHF"] } },
    { name: "status", type: { type: "enum", name: "Status", symbols: ["NEW", "PAID", "SHIPPED", "CANCELLED"] } },
    { name: "channel", type: "string" },
    { name: "source", type: "string" },
    { name: "country", type: "string" },
    { name: "quantity", type: "int" },
    { name: "flagged", type: "boolean" },
    { name: "coupon", type: ["null", "string"], default: null },
  ],
} as const;

/** ~1 KB encoded: an order with a customer, an address and a dozen line items. */
export const largeOrderSchema = {
  type: "record",
  name: "LargeOrder",
  namespace: "kefgen.bench",
  fields: [
    { name: "id", type: "string" },
    { name: "sequence", type: "long" },
    { name: "createdAt", type: "long" },
    {
      name: "customer",
      type: {
        type: "record",
        name: "Customer",
        fields: [
          { name: "id", type: "string" },
          { name: "name", type: "string" },
          { name: "email", type: "string" },
          { name: "tier", type: { type: "enum", name: "Tier", symbols: ["BASIC", "SILVER", "GOLD"] } },
        ],
      },
    },
    {
      name: "shippingAddress",
      type: {
        type: "record",
        name: "Address",
        fields: [
          { name: "street", type: "string" },
          { name: "city", type: "string" },
          { name: "postalCode", type: "string" },
          { name: "country", type: "string" },
        ],
      },
    },
    {
      name: "lines",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "OrderLine",
          fields: [
            { name: "sku", type: "string" },
            { name: "description", type: "string" },
            { name: "quantity", type: "int" },
            { name: "unitPrice", type: "double" },
            { name: "discount", type: ["null", "double"], default: null },
          ],
        },
      },
    },
    { name: "tags", type: { type: "array", items: "string" } },
    { name: "total", type: "double" },
    { name: "notes", type: ["null", "string"], default: null },
  ],
} as const;

/** The Avro schema of a record size. */
export function schemaOf(size: RecordSize): object {
  return size === "small" ? smallEventSchema : largeOrderSchema;
}

/** A small deterministic PRNG (mulberry32), so every run produces the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = [
  "alpha",
  "blue",
  "coffee",
  "delta",
  "engine",
  "forest",
  "garden",
  "harbor",
  "island",
  "jacket",
  "kettle",
  "lemon",
  "marble",
  "nickel",
  "orange",
  "pepper",
];
const CITIES = ["Amsterdam", "Berlin", "Copenhagen", "Dublin", "Edinburgh", "Frankfurt", "Geneva", "Helsinki"];

function uuid(next: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => pick(next, WORDS)).join(" ");
}

function smallEvent(next: () => number, sequence: number): Record<string, unknown> {
  return {
    id: uuid(next),
    sequence,
    createdAt: 1_767_225_600_000 + sequence * 7,
    customerId: `customer-${Math.floor(next() * 1_000_000)}`,
    amount: Math.round(next() * 100_000) / 100,
    currency: pick(next, ["EUR", "USD", "GBP", "CHF"]),
    status: pick(next, ["NEW", "PAID", "SHIPPED", "CANCELLED"]),
    channel: pick(next, ["web", "mobile-app", "store", "partner-api"]),
    source: pick(next, ["checkout-service", "billing-service", "pos-gateway"]),
    country: pick(next, ["NL", "DE", "DK", "IE", "GB", "CH", "FI"]),
    quantity: 1 + Math.floor(next() * 20),
    flagged: next() < 0.05,
    coupon: next() < 0.3 ? `SAVE${Math.floor(next() * 50)}` : null,
  };
}

function largeOrder(next: () => number, sequence: number): Record<string, unknown> {
  const lines = Array.from({ length: 14 + Math.floor(next() * 5) }, () => ({
    sku: `SKU-${Math.floor(next() * 100_000_000)
      .toString()
      .padStart(8, "0")}`,
    description: words(next, 3),
    quantity: 1 + Math.floor(next() * 5),
    unitPrice: Math.round(next() * 50_000) / 100,
    discount: next() < 0.25 ? Math.round(next() * 2_000) / 100 : null,
  }));
  const first = pick(next, ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John"]);
  const last = pick(next, ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus"]);
  return {
    id: uuid(next),
    sequence,
    createdAt: 1_767_225_600_000 + sequence * 7,
    customer: {
      id: `customer-${Math.floor(next() * 1_000_000)}`,
      name: `${first} ${last}`,
      email: `${first}.${last}@example.com`.toLowerCase(),
      tier: pick(next, ["BASIC", "SILVER", "GOLD"]),
    },
    shippingAddress: {
      street: `${Math.floor(next() * 300)} ${words(next, 2)} street`,
      city: pick(next, CITIES),
      postalCode: `${Math.floor(next() * 90_000) + 10_000}`,
      country: pick(next, ["NL", "DE", "DK", "IE", "GB", "CH", "FI"]),
    },
    lines,
    tags: Array.from({ length: 2 + Math.floor(next() * 4) }, () => pick(next, WORDS)),
    total: lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0),
    notes: next() < 0.8 ? words(next, 14) : null,
  };
}

/**
 * `count` distinct encoded values of a record size (a pool the producer cycles through).
 * Deterministic: the same size and count give the same bytes.
 */
export function encodedPool(size: RecordSize, count: number): Buffer[] {
  const type = avro.Type.forSchema(schemaOf(size) as avro.Schema);
  return valuePool(size, count).map((value) => type.toBuffer(value));
}

/** The values behind {@link encodedPool} (same size and count: the same values), for the producers under test. */
export function valuePool(size: RecordSize, count: number): Record<string, unknown>[] {
  const next = random(size === "small" ? 100 : 1_000);
  const make = size === "small" ? smallEvent : largeOrder;
  return Array.from({ length: count }, (_, i) => make(next, i));
}
