"""Witness consumer of Confluent-framed records for kefgen's integration tests: confluent-kafka's AvroDeserializer
reads the values (the writer schema fetched from the registry by the id in each record's header) and the keys as
UTF-8 strings, as a Python service reading a topic kefgen's producers wrote does.

    consume.py --brokers HOST:PORT --registry URL --topic TOPIC --count N

Prints {"key": <str | null>, "value": <decoded value | null>} per record, one JSON array on stdout, once N records
were read (exit 1 when they do not arrive within 60 s).
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    values = AvroDeserializer(SchemaRegistryClient({"url": a.registry}))
    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": f"witness-{uuid.uuid4()}", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([a.topic])
    out = []
    deadline = time.time() + 60
    try:
        while len(out) < a.count and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise SystemExit(str(msg.error()))
            key = None if msg.key() is None else msg.key().decode("utf-8")
            value = None if msg.value() is None else values(msg.value(), SerializationContext(a.topic, MessageField.VALUE))
            out.append({"key": key, "value": value})
    finally:
        consumer.close()
    if len(out) < a.count:
        raise SystemExit(f"read {len(out)} of {a.count} records")
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
