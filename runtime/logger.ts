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

/**
 * Logs a condition that can repeat thousands of times a second (a drop-mode buffer discarding records)
 * at most once per `intervalMs`: the first occurrence at once, the ones after it summed up in one line
 * when the interval ends (`count` = occurrences the line stands for). `flush()` writes what is pending.
 */
export class RateLimitedLog {
  private pending = 0;
  private pendingFields: LogFields | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param write where a line goes, e.g. `(message, fields) => logger.warn(message, fields)`.
   * @param message the line's message.
   * @param intervalMs the least time between two lines.
   */
  constructor(
    private readonly write: (message: string, fields: LogFields) => void,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  /** Records one occurrence; `fields` describe the latest one. */
  note(fields: LogFields): void {
    const now = Date.now();
    if (this.timer === undefined && now - this.lastWrite >= this.intervalMs) {
      this.lastWrite = now;
      this.write(this.message, { ...fields, count: 1 });
      return;
    }
    this.pending++;
    this.pendingFields = fields;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastWrite + this.intervalMs - now));
      // A pending summary line must not keep a process alive.
      this.timer.unref();
    }
  }

  /** Writes the summary of occurrences not logged yet, if any. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return;
    this.lastWrite = Date.now();
    this.write(this.message, { ...this.pendingFields, count: this.pending });
    this.pending = 0;
    this.pendingFields = undefined;
  }
}
