"""Witness producer for kefgen's integration tests: writes records the way a real Python service does, with
confluent-kafka's AvroSerializer (which encodes with fastavro) through a schema registry, to a Kafka broker.

    produce.py --brokers HOST:PORT --registry URL --jobs jobs.json --out DIR

jobs.json: [{"topic": ..., "schema": <Avro schema JSON>, "count": N, "seed": S,
             "subject": optional subject name (default <topic>-value)}], or "values": [...] instead of count and
seed to write given values. Jobs run in order; several jobs may write to one topic (e.g. writer versions
interleaved); "partition" picks the partition.
Values are drawn from a seeded random generator (random.Random(seed)) and written as the *underlying* Avro values
(ints, bytes, strings: fastavro passes them through its logical types unchanged), so the test can compute what
kefgen must make of them from its documented representation. For each job DIR/<topic>.jsonl gets one line per
record, in produce order, with type tags for what JSON cannot hold:
    {"$bytes": "<hex>"}  bytes and fixed     {"$long": "<decimal>"}  a long beyond 2^53 - 1
    {"$union": [index, value]}  the union branch written (named to fastavro with its tuple notation)
DIR/results.json: {"<topic>": {"written": n} | {"error": "<why fastavro/the serializer refused>"}}.
"""
import argparse
import json
import os
import random
import struct
import sys
import uuid

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

SAFE = 2**53 - 1
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


NAMED = ("record", "error", "enum", "fixed")


def full_name(name, namespace):
    if "." in name or not namespace:
        return name
    return namespace + "." + name


def namespace_of(full):
    return full.rsplit(".", 1)[0] if "." in full else ""


class Generator:
    """Random values for a schema; named types are resolved with Avro's namespace rules."""

    def __init__(self, schema, seed):
        self.rnd = random.Random(seed)
        self.named = {}
        self.collect(schema, "")

    def named_full(self, s, ns):
        return full_name(s["name"], s.get("namespace", ns) if "." not in s["name"] else ns)

    def collect(self, s, ns):
        if isinstance(s, list):
            for b in s:
                self.collect(b, ns)
        elif isinstance(s, dict):
            t = s.get("type")
            if t in NAMED and "name" in s:
                full = self.named_full(s, ns)
                self.named[full] = s
                ns = namespace_of(full)
            if t in ("record", "error"):
                for f in s["fields"]:
                    self.collect(f["type"], ns)
            elif t == "array":
                self.collect(s["items"], ns)
            elif t == "map":
                self.collect(s["values"], ns)
            elif isinstance(t, (dict, list)):
                self.collect(t, ns)

    def resolve(self, s, ns):
        """(schema, namespace for its children, full name or None)."""
        if isinstance(s, str) and s not in PRIMITIVES:
            full = full_name(s, ns) if full_name(s, ns) in self.named else s
            return self.named[full], namespace_of(full), full
        if isinstance(s, dict) and isinstance(s.get("type"), str) and s["type"] in PRIMITIVES and len(s) == 1:
            return s["type"], ns, None
        if isinstance(s, dict) and s.get("type") in NAMED and "name" in s:
            full = self.named_full(s, ns)
            return s, namespace_of(full), full
        return s, ns, None

    def string(self):
        alphabet = "abcxyz019 _-.é漢字\U0001F600\"\\/\n"
        words = ["", "__proto__", "constructor", "toString", "hasOwnProperty"]
        if self.rnd.random() < 0.1:
            return self.rnd.choice(words)
        return "".join(self.rnd.choice(alphabet) for _ in range(self.rnd.randint(0, 12)))

    def long_value(self, bigint):
        r = self.rnd.random()
        if bigint:
            v = self.rnd.choice([-(2**63), 2**63 - 1, 0, self.rnd.randint(-(2**63), 2**63 - 1)]) if r < 0.3 else self.rnd.randint(-(2**63), 2**63 - 1)
        else:
            v = self.rnd.choice([-SAFE, SAFE, 0, -1, 2**31, -(2**31) - 1]) if r < 0.2 else self.rnd.randint(-SAFE, SAFE)
        return v, ({"$long": str(v)} if abs(v) > SAFE or bigint else v)

    def value(self, s, depth=0, ns=""):
        """Returns (value for fastavro, tagged JSON for the test)."""
        s, ns, _ = self.resolve(s, ns)
        if isinstance(s, list):
            return self.union(s, depth, ns)
        if isinstance(s, str):
            return self.primitive(s, {}, depth)
        t = s["type"]
        if isinstance(t, (dict, list)) or (isinstance(t, str) and t not in PRIMITIVES and t not in NAMED + ("array", "map")):
            return self.value(t, depth, ns)
        if t in PRIMITIVES:
            return self.primitive(t, s, depth)
        if t in ("record", "error"):
            out, tagged = {}, {}
            for f in s["fields"]:
                out[f["name"]], tagged[f["name"]] = self.value(f["type"], depth + 1, ns)
            return out, tagged
        if t == "enum":
            v = self.rnd.choice(s["symbols"])
            return v, v
        if t == "fixed":
            logical = s.get("logicalType")
            if logical == "duration" and s["size"] == 12:
                b = struct.pack("<III", self.rnd.randint(0, 2**32 - 1), self.rnd.randint(0, 2**32 - 1), self.rnd.randint(0, 2**32 - 1))
            elif logical == "decimal":
                b = self.decimal_bytes(s, s["size"])
            else:
                b = bytes(self.rnd.getrandbits(8) for _ in range(s["size"]))
            return b, {"$bytes": b.hex()}
        if t == "array":
            n = 0 if depth > 4 else self.rnd.randint(0, 3)
            pairs = [self.value(s["items"], depth + 1, ns) for _ in range(n)]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        if t == "map":
            n = 0 if depth > 4 else self.rnd.randint(0, 3)
            out, tagged = {}, {}
            for _ in range(n):
                k = self.string()
                out[k], tagged[k] = self.value(s["values"], depth + 1, ns)
            return out, tagged
        raise ValueError("unknown schema %r" % (s,))

    def decimal_bytes(self, s, size):
        precision = s.get("precision", 1)
        scale = s.get("scale", 0)
        digits = self.rnd.randint(1, max(1, precision))
        unscaled = self.rnd.randint(0, 10**digits - 1) * self.rnd.choice([1, -1])
        length = size if size is not None else max(1, (unscaled.bit_length() + 8) // 8)
        if size is not None:
            limit = 2 ** (8 * size - 1)
            unscaled = max(-limit, min(limit - 1, unscaled))
        del scale
        return unscaled.to_bytes(length, "big", signed=True)

    def primitive(self, t, s, depth):
        logical = s.get("logicalType") if isinstance(s, dict) else None
        r = self.rnd
        if t == "null":
            return None, None
        if t == "boolean":
            v = r.random() < 0.5
            return v, v
        if t == "int":
            if logical == "date":
                v = r.randint(-(10**8) + 1, 10**8 - 1)
            else:
                v = r.choice([-(2**31), 2**31 - 1, 0]) if r.random() < 0.2 else r.randint(-(2**31), 2**31 - 1)
            return v, v
        if t == "long":
            if logical in ("timestamp-millis", "local-timestamp-millis"):
                v = r.randint(-(8 * 10**15), 8 * 10**15)
                return v, v
            return self.long_value(isinstance(s, dict) and s.get("kefgen.long") == "bigint" and logical is None)
        if t == "float":
            v = struct.unpack("<f", struct.pack("<f", r.uniform(-1e6, 1e6)))[0]
            return v, v
        if t == "double":
            v = r.choice([0.0, -0.5, 1e300, -1e-300]) if r.random() < 0.2 else r.uniform(-1e9, 1e9)
            return v, v
        if t == "bytes":
            if logical == "decimal":
                b = self.decimal_bytes(s, None)
            else:
                b = bytes(r.getrandbits(8) for _ in range(r.randint(0, 8)))
            return b, {"$bytes": b.hex()}
        if t == "string":
            v = str(uuid.UUID(int=r.getrandbits(128))) if logical == "uuid" else self.string()
            return v, v
        raise ValueError(t)

    def union(self, branches, depth, ns):
        resolved = [self.resolve(b, ns) for b in branches]
        choices = list(range(len(branches)))
        if depth > 4 and "null" in [r[0] for r in resolved]:
            choices = [[r[0] for r in resolved].index("null")]
        i = self.rnd.choice(choices)
        v, tagged = self.value(branches[i], depth + 1, ns)
        b, _, full = resolved[i]
        # Tuple notation names the branch fastavro must write: a named type by its full name, any other by its type.
        # (Left to itself fastavro tries the branches in order, and e.g. a string offered to [date, string] makes
        # its date branch raise "Invalid isoformat string" instead of moving on to the string branch.)
        name = full if full is not None else underlying(b)
        return (name, v), {"$union": [i, tagged]}


def underlying(schema):
    if isinstance(schema, dict):
        t = schema.get("type")
        return t if isinstance(t, str) else None
    return schema


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--jobs", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    jobs = json.load(open(a.jobs))
    registry = SchemaRegistryClient({"url": a.registry})
    producer = Producer({"bootstrap.servers": a.brokers, "linger.ms": 20})
    results = {}
    for job in jobs:
        topic = job["topic"]
        schema_text = json.dumps(job["schema"])
        subject = job.get("subject")
        conf = {"auto.register.schemas": True}
        if subject:
            conf["subject.name.strategy"] = lambda ctx, record_name, s=subject: s
        gen = Generator(job["schema"], job.get("seed", 0))
        try:
            serializer = AvroSerializer(registry, schema_text, conf=conf)
            lines = []
            given = job.get("values")
            for n in range(len(given) if given is not None else job["count"]):
                value, tagged = (given[n], given[n]) if given is not None else gen.value(job["schema"])
                data = serializer(value, SerializationContext(topic, MessageField.VALUE))
                if "partition" in job:
                    producer.produce(topic, value=data, partition=job["partition"])
                else:
                    producer.produce(topic, value=data)
                producer.poll(0)
                lines.append(json.dumps(tagged, ensure_ascii=False))
            producer.flush(30)
            with open(os.path.join(a.out, topic + ".jsonl"), "a", encoding="utf-8") as f:
                f.write("\n".join(lines) + ("\n" if lines else ""))
            if "error" not in results.get(topic, {}):
                results[topic] = {"written": results.get(topic, {}).get("written", 0) + len(lines)}
        except Exception as e:  # noqa: BLE001 - reported to the test, which names the type and the reason
            results[topic] = {"error": "%s: %s" % (type(e).__name__, e)}
    producer.flush(30)
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
