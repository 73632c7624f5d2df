/**
 * A throw-away, single-node Apache Kafka broker (KRaft, combined broker + controller) for tests,
 * demos and local development. The broker jars come from Maven Central via `fetch.sh`; the broker
 * listens on 127.0.0.1 only and keeps its data in a fresh temporary directory.
 *
 *   const broker = await startLocalBroker();
 *   // ... use broker.brokers with kafkajs ...
 *   await broker.stop();
 *
 * No broker is left behind: every broker started here is killed when the Node process exits
 * (an 'exit' handler; handlers for SIGINT/SIGTERM/SIGHUP that act only when nobody else listens to
 * the signal; and a tiny watchdog process that kills the JVM should this process die without
 * running any handler, e.g. on SIGKILL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, openSync, closeSync, rmSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { freePorts } from "./free-ports.js";

export const DEFAULT_KAFKA_VERSION = "4.1.2";

export interface LocalBroker {
  /** Bootstrap addresses, e.g. `['127.0.0.1:40123']`. */
  readonly brokers: string[];
  /** Kafka version that runs. */
  readonly version: string;
  /** Temporary directory holding the configuration, the Kafka log dirs and the broker log. */
  readonly dataDir: string;
  /** Everything the JVM printed (log4j output goes to stdout), appended across restarts. */
  readonly logFile: string;
  /** Client port and controller port (kept across restarts). */
  readonly port: number;
  readonly controllerPort: number;
  /** Process id of the running JVM (undefined while stopped). */
  readonly pid: number | undefined;
  /** Milliseconds the last (re)start took, from spawning the JVM until the broker answered. */
  readonly startupMs: number;
  /** Whether the JVM is running. */
  readonly running: boolean;
  /** Graceful stop (SIGTERM, SIGKILL after a deadline), then delete `dataDir`. Idempotent. */
  stop(): Promise<void>;
  /** Crash the broker (SIGKILL). Keeps `dataDir`, so `restart()` can bring it back. */
  kill(): Promise<void>;
  /** Stop (gracefully, if still running) and start again on the same ports and data. */
  restart(): Promise<void>;
}

export interface StartLocalBrokerOptions {
  /** Kafka version (default: `$KAFKA_VERSION` or 4.1.2). 4.x and 3.9.x are supported. */
  version?: string;
  /** Client port on 127.0.0.1 (default: a free port). */
  port?: number;
  /** Controller port on 127.0.0.1 (default: a free port). */
  controllerPort?: number;
  /**
   * How long to wait for the broker to answer (default 180 s; includes nothing of the download). An
   * upper bound, not a pace: quiet, a broker answers in 3-5 s; on a 2-core machine at load 15-20 a start
   * took 20 s and a restart 81 s. A JVM that exits during startup fails at once whatever this is.
   */
  startTimeoutMs?: number;
  /** Progress messages (download, start, stop). */
  log?: (line: string) => void;
  /** Extra or overriding `server.properties` entries. */
  properties?: Record<string, string | number | boolean>;
  /** JVM heap/GC flags (default `-Xmx512m -Xms256m -XX:+UseSerialGC`). */
  jvmArgs?: string[];
  /** log4j root level of the broker (default `$KEFGEN_KAFKA_LOG_LEVEL` or INFO). */
  logLevel?: "ERROR" | "WARN" | "INFO" | "DEBUG";
  /**
   * For one node of a cluster (scripts/kafka/local-cluster.ts): its node id, the cluster id every
   * node formats its storage with, and the static controller quorum (`1@127.0.0.1:port,...`).
   * Default: a cluster of its own, node 1, voting alone.
   */
  cluster?: { nodeId: number; clusterId: string; quorumVoters: string };
}

const STOP_TIMEOUT_MS = 30_000;
const KILL_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Jars
// ---------------------------------------------------------------------------------------------

function cacheRoot(): string {
  return process.env.KEFGEN_KAFKA_CACHE || join(homedir(), ".cache", "kefgen", "kafka");
}

/** `fetch.sh` next to this file, or (when running from `dist/scripts/kafka`) in the source tree. */
function fetchScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "fetch.sh"), resolve(here, "..", "..", "..", "scripts", "kafka", "fetch.sh")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`local-broker: cannot find fetch.sh (looked in ${candidates.join(", ")})`);
  return found;
}

/** Make sure the jars of `version` are in the cache; returns the libs directory. */
export async function ensureKafkaJars(version: string, log?: (line: string) => void): Promise<string> {
  const dir = join(cacheRoot(), version);
  const libs = join(dir, "libs");
  if (existsSync(join(dir, ".complete")) && existsSync(libs)) return libs;

  log?.(`fetching Apache Kafka ${version} jars from Maven Central`);
  const script = fetchScriptPath();
  const { code, stdout, stderr } = await run("bash", [script, version], { ...process.env, KAFKA_VERSION: version });
  if (code !== 0) {
    throw new Error(`local-broker: ${script} failed (exit ${code}):\n${tail(stderr, 40)}`);
  }
  const printed = stdout.trim().split("\n").pop()?.trim();
  const result = printed && existsSync(printed) ? printed : libs;
  if (!existsSync(result)) throw new Error(`local-broker: fetch.sh did not produce ${result}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Cleanup of brokers on process exit
// ---------------------------------------------------------------------------------------------

interface Tracked {
  child: ChildProcess | undefined;
  watchdog: ChildProcess | undefined;
  dataDir: string;
}

const live = new Set<Tracked>();
let handlersInstalled = false;

function killAllSync(): void {
  for (const t of live) {
    for (const p of [t.child, t.watchdog]) {
      if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    try {
      rmSync(t.dataDir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  live.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = (): void => {
      // Someone else handles this signal (e.g. a CLI that stops the broker gracefully, or the test
      // runner): leave it to them; the 'exit' handler still kills whatever is left.
      if (process.listenerCount(signal) > 1) return;
      // Otherwise do what the default would have done (terminate), after killing the brokers.
      killAllSync();
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

/** A separate tiny process that SIGKILLs the JVM if this Node process disappears without cleanup. */
function startWatchdog(javaPid: number, dataDir: string): ChildProcess | undefined {
  const dir = `'${dataDir.replace(/'/g, `'\\''`)}'`;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${javaPid} 2>/dev/null; do sleep 1; done; ` +
    `if ! kill -0 ${process.pid} 2>/dev/null; then kill -9 ${javaPid} 2>/dev/null; sleep 1; rm -rf ${dir}; fi; exit 0`;
  try {
    const w = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    w.on("error", () => undefined);
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Broker
// ---------------------------------------------------------------------------------------------

export async function startLocalBroker(options: StartLocalBrokerOptions = {}): Promise<LocalBroker> {
  const version = options.version ?? (process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION);
  const log = options.log;
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  const major = Number.parseInt(version.split(".")[0] ?? "", 10);
  if (!Number.isFinite(major)) throw new Error(`local-broker: invalid Kafka version '${version}'`);

  const libs = await ensureKafkaJars(version, log);
  const [port, controllerPort] = await brokerPorts(options.port, options.controllerPort);

  const dataDir = await mkdtemp(join(tmpdir(), "kefgen-kafka-"));
  const tracked: Tracked = { child: undefined, watchdog: undefined, dataDir };
  installExitHandlers();
  live.add(tracked);

  const configFile = join(dataDir, "server.properties");
  const logDirs = join(dataDir, "data");
  const logFile = join(dataDir, "broker.log");
  const level =
    options.logLevel ?? (process.env.KEFGEN_KAFKA_LOG_LEVEL as StartLocalBrokerOptions["logLevel"]) ?? "INFO";
  const bootstrap = `127.0.0.1:${port}`;

  try {
    const props: Record<string, string | number | boolean> = {
      "process.roles": "broker,controller",
      "node.id": options.cluster?.nodeId ?? 1,
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      "advertised.listeners": `PLAINTEXT://${bootstrap}`,
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name": "PLAINTEXT",
      "controller.listener.names": "CONTROLLER",
      // Static quorum: works on 3.9 and 4.x, needs no --standalone/--initial-controllers at format time.
      "controller.quorum.voters": options.cluster?.quorumVoters ?? `1@127.0.0.1:${controllerPort}`,
      "log.dirs": logDirs,
      "num.partitions": 1,
      "default.replication.factor": 1,
      "min.insync.replicas": 1,
      "offsets.topic.replication.factor": 1,
      "offsets.topic.num.partitions": 10,
      "transaction.state.log.replication.factor": 1,
      "transaction.state.log.min.isr": 1,
      "transaction.state.log.num.partitions": 4,
      "group.initial.rebalance.delay.ms": 0,
      "auto.create.topics.enable": true,
      "delete.topic.enable": true,
      // After a SIGKILL the restarted broker cannot register until the controller expires the old
      // session (default 9 s); a shorter session makes crash/restart tests quicker.
      "broker.heartbeat.interval.ms": 1000,
      "broker.session.timeout.ms": 4000,
      ...(major >= 4
        ? { "share.coordinator.state.topic.replication.factor": 1, "share.coordinator.state.topic.min.isr": 1 }
        : {}),
      ...options.properties,
    };
    await writeFile(
      configFile,
      Object.entries(props)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join("\n") + "\n",
    );

    // Logging: everything to stdout, which goes to `logFile`. The config dump is quietened.
    const loggingArgs: string[] = [];
    if (major >= 4) {
      const file = join(dataDir, "log4j2.properties");
      await writeFile(
        file,
        [
          "status = warn",
          "appender.out.type = Console",
          "appender.out.name = STDOUT",
          "appender.out.layout.type = PatternLayout",
          "appender.out.layout.pattern = [%d] %p %m (%c)%n",
          `rootLogger.level = ${level}`,
          "rootLogger.appenderRef.out.ref = STDOUT",
          "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
          "logger.config.level = WARN",
          "logger.statechange.name = state.change.logger",
          "logger.statechange.level = WARN",
          "",
        ].join("\n"),
      );
      loggingArgs.push(`-Dlog4j2.configurationFile=${file}`);
    } else {
      const file = join(dataDir, "log4j.properties");
      await writeFile(
        file,
        [
          `log4j.rootLogger=${level}, stdout`,
          "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
          "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
          "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
          "log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN",
          "log4j.logger.state.change.logger=WARN",
          "",
        ].join("\n"),
      );
      loggingArgs.push(`-Dlog4j.configuration=file:${file}`);
    }
    await mkdir(join(dataDir, "logs"), { recursive: true });

    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
    const classpath = `${libs}/*`;
    const commonJvm = [
      "-XX:-UsePerfData",
      "-Djava.awt.headless=true",
      `-Dkafka.logs.dir=${join(dataDir, "logs")}`,
      ...loggingArgs,
    ];

    // Format the storage with a random cluster id (what kafka-storage.sh format does).
    const clusterId = options.cluster?.clusterId ?? randomClusterId();
    const fmt = await run(java, [
      "-Xmx256m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      ...commonJvm,
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId,
      "-c",
      configFile,
    ]);
    if (fmt.code !== 0) {
      throw new Error(
        `local-broker: formatting the storage failed (exit ${fmt.code}):\n${tail(fmt.stdout + fmt.stderr, 40)}`,
      );
    }

    const jvmArgs = options.jvmArgs ?? ["-Xmx512m", "-Xms256m", "-XX:+UseSerialGC"];
    const brokerArgs = [
      ...jvmArgs,
      "-XX:+ExitOnOutOfMemoryError",
      ...commonJvm,
      "-cp",
      classpath,
      "kafka.Kafka",
      configFile,
    ];

    let startupMs = 0;
    let stopped = false;

    const launch = async (): Promise<void> => {
      const fd = openSync(logFile, "a");
      let child: ChildProcess;
      try {
        child = spawn(java, brokerArgs, { cwd: dataDir, detached: true, stdio: ["ignore", fd, fd] });
      } finally {
        closeSync(fd);
      }
      child.unref();
      tracked.child = child;
      let spawnError: Error | undefined;
      child.once("error", (err) => (spawnError = err));
      const started = Date.now();
      log?.(`starting Kafka ${version} on ${bootstrap} (log: ${logFile})`);

      const deadline = started + startTimeoutMs;
      let lastError: unknown;
      for (;;) {
        await delay(0); // let a spawn 'error' event arrive
        if (spawnError) throw new Error(`local-broker: cannot run ${java}: ${spawnError.message}`);
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `local-broker: Kafka ${version} exited during startup (${child.exitCode ?? child.signalCode}). ` +
              `Log tail (${logFile}):\n${await logTail(logFile)}`,
          );
        }
        try {
          await probe(bootstrap);
          break;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() >= deadline) {
          await killChild(child, "SIGKILL", KILL_TIMEOUT_MS);
          throw new Error(
            `local-broker: Kafka ${version} did not answer on ${bootstrap} within ${startTimeoutMs} ms ` +
              `(last error: ${errorMessage(lastError)}). Log tail (${logFile}):\n${await logTail(logFile)}`,
          );
        }
        await delay(250);
      }
      startupMs = Date.now() - started;
      tracked.watchdog = child.pid !== undefined ? startWatchdog(child.pid, dataDir) : undefined;
      log?.(`Kafka ${version} ready on ${bootstrap} after ${(startupMs / 1000).toFixed(1)} s`);
    };

    const halt = async (signal: "SIGTERM" | "SIGKILL"): Promise<void> => {
      const child = tracked.child;
      if (child) {
        await killChild(child, signal, signal === "SIGTERM" ? STOP_TIMEOUT_MS : KILL_TIMEOUT_MS);
      }
      const w = tracked.watchdog;
      if (w?.pid !== undefined && w.exitCode === null && w.signalCode === null) {
        try {
          process.kill(w.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      tracked.watchdog = undefined;
    };

    await launch();

    const broker: LocalBroker = {
      brokers: [bootstrap],
      version,
      dataDir,
      logFile,
      port,
      controllerPort,
      get pid() {
        const c = tracked.child;
        return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
      },
      get startupMs() {
        return startupMs;
      },
      get running() {
        const c = tracked.child;
        return !!c && c.exitCode === null && c.signalCode === null;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        log?.(`stopping Kafka on ${bootstrap}`);
        await halt("SIGTERM");
        live.delete(tracked);
        await rm(dataDir, { recursive: true, force: true });
      },
      async kill() {
        if (stopped) throw new Error("local-broker: broker was stopped");
        log?.(`killing Kafka on ${bootstrap} (SIGKILL)`);
        await halt("SIGKILL");
      },
      async restart() {
        if (stopped) throw new Error("local-broker: broker was stopped");
        log?.(`restarting Kafka on ${bootstrap}`);
        await halt("SIGTERM");
        await launch();
      },
    };
    return broker;
  } catch (err) {
    const c = tracked.child;
    if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      await killChild(c, "SIGKILL", KILL_TIMEOUT_MS);
    }
    live.delete(tracked);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Brokers for tests and demos: `KAFKA_BROKERS` (comma separated) when set, otherwise a local broker
 * started here (then `broker` is set and the caller owns it: call `broker.stop()`).
 */
export async function resolveBrokers(
  options: StartLocalBrokerOptions = {},
): Promise<{ brokers: string[]; broker?: LocalBroker }> {
  const fromEnv = (process.env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (fromEnv.length > 0) return { brokers: fromEnv };
  const broker = await startLocalBroker(options);
  return { brokers: broker.brokers, broker };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Answers when the broker serves metadata (and so has registered with its controller) and its group
 * coordinator has loaded: until then a fresh broker answers JoinGroup with "the coordinator is loading",
 * which kafkajs reports as a consumer crash and retries.
 */
async function probe(bootstrap: string): Promise<void> {
  const kafka = new Kafka({
    clientId: "kefgen-local-broker-probe",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error("no broker registered yet");
    const { groups } = await admin.describeGroups(["kefgen-readiness-probe"]);
    // kafkajs returns the group's error code but does not declare it in GroupDescription.
    const errorCode = (groups[0] as { errorCode?: number } | undefined)?.errorCode;
    if (errorCode) throw new Error(`group coordinator not ready (error ${errorCode})`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function killChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((res) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      res();
    };
    child.once("exit", done);
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
    timer = setTimeout(() => {
      if (signal !== "SIGKILL") {
        try {
          child.kill("SIGKILL");
        } catch {
          /* gone */
        }
        timer = setTimeout(done, KILL_TIMEOUT_MS);
      } else {
        done();
      }
    }, timeoutMs);
  });
}

/** The client and controller ports: the ones asked for, the others chosen by free-ports.ts. */
async function brokerPorts(port?: number, controllerPort?: number): Promise<[number, number]> {
  const chosen = await freePorts(2);
  const a = port ?? chosen.find((p) => p !== controllerPort)!;
  const b = controllerPort ?? chosen.find((p) => p !== a)!;
  if (a === b) throw new Error(`local-broker: client and controller port are the same (${a})`);
  return [a, b];
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", rej);
    child.once("close", (code) => res({ code, stdout, stderr }));
  });
}

async function logTail(file: string, lines = 40): Promise<string> {
  try {
    const size = statSync(file).size;
    const text = await readFile(file, "utf8");
    return size === 0 ? "(empty)" : tail(text, lines);
  } catch {
    return "(no log)";
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function delay(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
