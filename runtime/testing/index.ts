// Public entry of kefgen's test kit ("kefgen/testing"): the generated wiring on the real runtime, without a broker.
// See docs/runtime.md, "Testing without a broker".

export { TestKit, type TestKitOptions, type FeedOptions, type IdleOptions, type TopicOutcome } from "./test-kit.js";
export { FakeClock } from "./fake-clock.js";
export { MemoryCluster, type StoredRecord } from "./memory-cluster.js";
export { memoryTransport, MemoryMember, type MemoryTransport } from "./memory-transport.js";
