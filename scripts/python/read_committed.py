"""Witness read_committed reader for kefgen's exactly-once test: librdkafka (confluent-kafka) reads a topic from the
start with isolation.level = read_committed, as the Java client does (the broker's aborted-transaction list decides
which records are dropped), and prints every record's value, as UTF-8, in one JSON array on stdout.

    read_committed.py --brokers HOST:PORT --topic TOPIC --count N

It stops once at least N records were read and every partition of the topic reached its end (its last stable offset)
since its last record; exit 1 when that does not happen within 60 s.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    consumer = Consumer({
        "bootstrap.servers": a.brokers,
        "group.id": f"witness-{uuid.uuid4()}",
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    partitions = len(consumer.list_topics(a.topic, timeout=30).topics[a.topic].partitions)
    consumer.subscribe([a.topic])
    values = []
    at_end = set()
    deadline = time.time() + 60
    try:
        while not (len(values) >= a.count and len(at_end) == partitions):
            if time.time() > deadline:
                print(f"read {len(values)} of {a.count} records, {len(at_end)} of {partitions} partitions at their end", file=sys.stderr)
                sys.exit(1)
            m = consumer.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    continue
                raise Exception(m.error())
            at_end.discard(m.partition())
            values.append(m.value().decode("utf-8"))
    finally:
        consumer.close()
    json.dump(values, sys.stdout)


if __name__ == "__main__":
    main()
