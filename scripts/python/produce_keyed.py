"""Witness producer of keyed records and tombstones for kefgen's integration tests: confluent-kafka's AvroSerializer
serializes the *key* (MessageField.KEY, so its subject is <topic>-key under TopicNameStrategy) and the value through
a schema registry, as a Python service writing a compacted topic does. A record whose value is null is a tombstone:
its value is not serialized at all.

    produce_keyed.py --brokers HOST:PORT --registry URL --job job.json

job.json: {"topic": ..., "keySchema": <Avro schema>, "valueSchema": <Avro schema>,
           "records": [{"key": <value>, "value": <value> | null}, ...]}
Prints the registered key and value subjects, one per line, after the records are written.
"""
import argparse
import json
import sys

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--job", required=True)
    a = p.parse_args()
    job = json.load(open(a.job))
    topic = job["topic"]
    registry = SchemaRegistryClient({"url": a.registry})
    keys = AvroSerializer(registry, json.dumps(job["keySchema"]), conf={"auto.register.schemas": True})
    values = AvroSerializer(registry, json.dumps(job["valueSchema"]), conf={"auto.register.schemas": True})
    producer = Producer({"bootstrap.servers": a.brokers, "linger.ms": 20})
    for record in job["records"]:
        key = keys(record["key"], SerializationContext(topic, MessageField.KEY))
        value = None if record["value"] is None else values(record["value"], SerializationContext(topic, MessageField.VALUE))
        producer.produce(topic, key=key, value=value)
        producer.poll(0)
    if producer.flush(30) != 0:
        raise SystemExit("records left unsent")
    print("\n".join(sorted(registry.get_subjects())))


if __name__ == "__main__":
    sys.exit(main())
