// What the checker tells users about topic names, checked against the real broker.
import { describe, expect, it } from "vitest";
import { createTopic, uniqueName } from "../support/kafka.js";

describe("topic names on the broker", () => {
  it("refuses to create a topic whose name differs from an existing one only in '.' against '_' (KEF2036's hint)", async () => {
    const base = uniqueName("kef2036");
    await createTopic(`${base}.eu`);
    const refused: unknown = await createTopic(`${base}_eu`).then(
      () => undefined,
      (error: unknown) => error,
    );
    // kafkajs keeps the broker's error code (not its text, "collides with existing topic"): INVALID_TOPIC_EXCEPTION.
    const errors = (refused as { errors?: { type?: string }[] } | undefined)?.errors ?? [];
    expect(errors.map((e) => e.type)).toEqual(["INVALID_TOPIC_EXCEPTION"]);
    // A name that differs in another way is created: the refusal is about '.' against '_'.
    await expect(createTopic(`${base}-eu`)).resolves.toBeUndefined();
  });
});
