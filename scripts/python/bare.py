"""Interop witness: writes values as bare Avro binary with fastavro's schemaless_writer.

    bare.py jobs.json

jobs.json: [{"schema": <Avro schema JSON>, "values": ["<Avro JSON encoding of a value>", ...]}]. Each value is
turned into the Python value fastavro writes, guided by the schema: a union's {"branch": value} becomes fastavro's
tuple notation ("branch", value), so that fastavro writes the branch the value was written with instead of guessing
(a bytes value is also a valid string); bytes and fixed become bytes. It is written with schemaless_writer and the
schema without its logical types: the bytes of a logical type are those of its underlying value, and fastavro's
logical writers cannot be given underlying values everywhere (in a union, its date writer takes a string branch's
value for an ISO date and raises). Prints, per job, {"bytes": ["<hex>", ...]} as one JSON array on stdout.
"""
import io
import json
import sys

import fastavro

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def underlying(schema):
    """The schema without logicalType attributes."""
    if isinstance(schema, list):
        return [underlying(s) for s in schema]
    if isinstance(schema, dict):
        return {k: underlying(v) for k, v in schema.items() if k != "logicalType"}
    return schema


def full_name(name, namespace):
    return name if "." in name or not namespace else f"{namespace}.{name}"


def collect(schema, namespace, named):
    """Named types by full name."""
    if isinstance(schema, list):
        for s in schema:
            collect(s, namespace, named)
    elif isinstance(schema, dict):
        t = schema.get("type")
        if t in ("record", "error", "enum", "fixed"):
            ns = schema["namespace"] or None if "namespace" in schema else namespace
            name = full_name(schema["name"], ns)
            named[name] = (schema, name.rsplit(".", 1)[0] if "." in name else None)
            for f in schema.get("fields", []):
                collect(f["type"], named[name][1], named)
        elif t == "array":
            collect(schema["items"], namespace, named)
        elif t == "map":
            collect(schema["values"], namespace, named)
        elif isinstance(t, (dict, list)):
            collect(t, namespace, named)


def convert(schema, namespace, named, value):
    """The Python value of Avro JSON `value` of `schema`, with unions in tuple notation."""
    if isinstance(schema, str) and schema not in PRIMITIVES:
        schema, namespace = named[full_name(schema, namespace)]
    if isinstance(schema, list):
        if value is None:
            return None
        (branch, inner), = value.items()
        for s in schema:
            t = s if isinstance(s, str) else s.get("type")
            ns_name = full_name(s["name"], s.get("namespace", namespace) or None) if isinstance(s, dict) and "name" in s else None
            if branch in (t, ns_name) or (isinstance(s, str) and s not in PRIMITIVES and full_name(s, namespace) == branch):
                return (branch, convert(s, namespace, named, inner))
        raise ValueError(f"no branch {branch}")
    t = schema if isinstance(schema, str) else schema["type"]
    if isinstance(t, (dict, list)):
        return convert(t, namespace, named, value)
    if t in ("bytes", "fixed"):
        return value.encode("latin-1")
    if t in ("record", "error"):
        ns = named[full_name(schema["name"], schema["namespace"] or None if "namespace" in schema else namespace)][1]
        return {f["name"]: convert(f["type"], ns, named, value[f["name"]]) for f in schema["fields"]}
    if t == "array":
        return [convert(schema["items"], namespace, named, v) for v in value]
    if t == "map":
        return {k: convert(schema["values"], namespace, named, v) for k, v in value.items()}
    if t == "float" or t == "double":
        return float(value)
    if t in PRIMITIVES or t == "enum":
        return value
    raise ValueError(f"unexpected type {t}")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        jobs = json.load(f)
    out = []
    for job in jobs:
        raw = underlying(job["schema"])
        plain = fastavro.parse_schema(raw)
        named = {}
        collect(raw, None, named)
        written = []
        for text in job["values"]:
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, plain, convert(raw, None, named, json.loads(text)))
            written.append(buffer.getvalue().hex())
        out.append({"bytes": written})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
