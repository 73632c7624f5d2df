import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createConsoleLogger,
  namespaced,
  RuntimeEventEmitter,
  RuntimeEvents,
  type RuntimeLogger,
} from "../../runtime/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("logging", () => {
  it("the console logger is quiet below warn by default and prefixes the namespace", () => {
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const logger = namespaced(createConsoleLogger(), "kefgen.connection.shared");
    logger.debug("d");
    logger.info("i");
    logger.warn("w", { topic: "orders" });
    logger.error("e");
    expect(debug).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith("[kefgen.connection.shared] w", { topic: "orders" });
    expect(error).toHaveBeenCalledWith("[kefgen.connection.shared] e");
  });

  it("honours a lower level", () => {
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    createConsoleLogger({ level: "debug" }).debug("visible");
    expect(debug).toHaveBeenCalledWith("visible");
  });

  it("namespaced() adds the namespace field and swallows a throwing logger", () => {
    const lines: unknown[] = [];
    const base: RuntimeLogger = {
      debug: () => {},
      info: (message, fields) => lines.push([message, fields]),
      warn: () => {
        throw new Error("broken logger");
      },
      error: () => {},
    };
    const logger = namespaced(base, "kefgen.channel.orders");
    logger.info("hello", { offset: "3" });
    expect(lines).toEqual([["hello", { offset: "3", namespace: "kefgen.channel.orders" }]]);
    expect(() => logger.warn("boom")).not.toThrow();
  });

  it("the event emitter isolates a throwing listener and reports it", () => {
    const errors: string[] = [];
    const emitter = new RuntimeEventEmitter({ debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) });
    const seen: string[] = [];
    emitter.on(RuntimeEvents.PAUSED, () => {
      throw new Error("bad listener");
    });
    emitter.on(RuntimeEvents.PAUSED, (e) => seen.push(e.topic));
    emitter.emit(RuntimeEvents.PAUSED, { connection: "shared", topic: "orders" });
    expect(seen).toEqual(["orders"]);
    expect(errors).toEqual(['a "paused" listener threw']);
    expect(emitter.listenerCount(RuntimeEvents.PAUSED)).toBe(2);
  });
});
