// Logging for the runtime: one small interface, a console default that stays quiet below `warn`,
// and per-component namespaces ("kefgen.connection.shared", "kefgen.channel.orders", "kefgen.kafkajs.Runner").

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * What the runtime logs through. Bring your own (pino, winston, …) by adapting these four methods;
 * the component that logged is in `fields.namespace`.
 */
export interface RuntimeLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Log levels of {@link createConsoleLogger}, from most to least verbose. */
export type LogLevelName = "debug" | "info" | "warn" | "error" | "silent";

const LEVEL_RANK: Readonly<Record<LogLevelName, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * The default logger: writes to `console`, prefixed with the namespace, and drops everything below
 * `level` (default `"warn"`, so a healthy consumer prints nothing).
 */
export function createConsoleLogger(options: { level?: LogLevelName } = {}): RuntimeLogger {
  const threshold = LEVEL_RANK[options.level ?? "warn"];
  const write = (level: Exclude<LogLevelName, "silent">, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[level] < threshold) return;
    const { namespace, ...rest } = fields ?? {};
    const prefix = typeof namespace === "string" ? `[${namespace}] ` : "";
    const args: unknown[] = [`${prefix}${message}`];
    if (Object.keys(rest).length > 0) args.push(rest);
    // console.debug/info/warn/error map onto the same levels; stderr for warn and error.
    console[level](...args);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** A logger that discards everything (useful in tests). */
export const silentLogger: RuntimeLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Returns a logger that adds `namespace` to every line's fields, so one user logger can tell the
 * runtime's components apart. A logger that throws never breaks the runtime: its error is swallowed.
 */
export function namespaced(logger: RuntimeLogger, namespace: string): RuntimeLogger {
  const write = (level: "debug" | "info" | "warn" | "error", message: string, fields?: LogFields): void => {
    try {
      logger[level](message, { ...fields, namespace });
    } catch {
      // A broken user logger must not take a consumer down; there is nowhere left to report it.
    }
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}
