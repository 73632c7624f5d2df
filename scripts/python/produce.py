"""Witness producer for kefgen's integration tests: writes records the way a real Python service does, with
confluent-kafka's AvroSerializer (which encodes with fastavro) through a schema registry, to a Kafka broker.

    produce.py --brokers HOST:PORT --registry URL --jobs jobs.json --out DIR

jobs.json: [{"topic": ..., "schema": <Avro schema JSON>, "avro_json": ["<Avro JSON encoding of a value>", ...],
             "subject": optional subject name (default <topic>-value), or "strategy": "topic_record" for
             confluent-kafka's own topic_record_subject_name_strategy (<topic>-<record full name>)}], or "values": [...] instead of avro_json
to write plain JSON values as they are. Jobs run in order; several jobs may write to one topic (e.g. writer versions
interleaved); "partition" picks the partition.
The tests draw the values (test/support/avro-arbitrary.ts) and send them as Avro's JSON encoding of the *underlying*
Avro values (test/support/avro-json.ts); they become the Python values fastavro writes as in bare.py: a union's
{"branch": value} becomes fastavro's tuple notation ("branch", value), so that fastavro writes the branch the value
was drawn with (left to itself it tries the branches in order, and e.g. a string offered to [date, string] makes
its date branch raise "Invalid isoformat string"); bytes and fixed become bytes, and fastavro passes the underlying
values of logical types through unchanged. For each job DIR/<topic>.jsonl gets one line per record, in produce
order: the value as given. DIR/results.json: {"<topic>": {"written": n} | {"error": "<why fastavro/the serializer
refused>"}}.
"""
import argparse
import json
import os
import sys

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient, topic_record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from bare import collect, convert


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
        elif job.get("strategy") == "topic_record":
            conf["subject.name.strategy"] = topic_record_subject_name_strategy
        named = {}
        collect(job["schema"], None, named)
        try:
            serializer = AvroSerializer(registry, schema_text, conf=conf)
            lines = []
            given = job.get("values")
            texts = job.get("avro_json")
            for n in range(len(given) if given is not None else len(texts)):
                if given is not None:
                    value, tagged = given[n], given[n]
                else:
                    tagged = json.loads(texts[n])
                    value = convert(job["schema"], None, named, tagged)
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
