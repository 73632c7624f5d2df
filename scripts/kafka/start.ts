/**
 * Runs a local Kafka broker in the foreground until Ctrl-C (see start.sh / `npm run kafka:start`).
 *
 *   tsx scripts/kafka/start.ts [--version 4.1.2] [--port 9092] [--controller-port 9093]
 */
import { parseArgs } from "node:util";
import { startLocalBroker, type StartLocalBrokerOptions } from "./local-broker.js";

const { values } = parseArgs({
  options: {
    version: { type: "string" },
    port: { type: "string" },
    "controller-port": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  process.stdout.write(
    "Usage: npm run kafka:start -- [--version X.Y.Z] [--port N] [--controller-port N]\n" +
      "Starts a single-node Kafka broker on 127.0.0.1 until Ctrl-C. Env: KAFKA_VERSION, KEFGEN_KAFKA_CACHE.\n",
  );
  process.exit(0);
}

const toPort = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`invalid --${name}: ${v}`);
  return n;
};

const options: StartLocalBrokerOptions = {
  log: (line) => process.stderr.write(`[kafka] ${line}\n`),
};
if (values.version) options.version = values.version;
const port = toPort(values.port, "port");
if (port !== undefined) options.port = port;
const controllerPort = toPort(values["controller-port"], "controller-port");
if (controllerPort !== undefined) options.controllerPort = controllerPort;

let stopping = false;
let broker: Awaited<ReturnType<typeof startLocalBroker>> | undefined;
const onSignal = (signal: NodeJS.Signals): void => {
  if (stopping || !broker) process.exit(130); // second Ctrl-C: the 'exit' handler kills the JVM
  stopping = true;
  process.stderr.write(`[kafka] ${signal}: stopping...\n`);
  broker
    .stop()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(`[kafka] stop failed: ${String(err)}\n`);
      process.exit(1);
    });
};
// Registered before the broker starts, so this graceful handler owns the signals.
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
process.on("SIGHUP", onSignal);

try {
  broker = await startLocalBroker(options);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

process.stdout.write(
  `Kafka ${broker.version} is running (started in ${(broker.startupMs / 1000).toFixed(1)} s).\n` +
    `  bootstrap: ${broker.brokers.join(",")}\n` +
    `  export KAFKA_BROKERS=${broker.brokers.join(",")}\n` +
    `  log:       ${broker.logFile}\n` +
    `Press Ctrl-C to stop (the data directory is deleted on stop).\n`,
);
// Keep the event loop alive until a signal arrives.
setInterval(() => {
  if (broker && !broker.running && !stopping) {
    process.stderr.write(`[kafka] the broker exited unexpectedly; see ${broker.logFile}\n`);
    process.exit(1);
  }
}, 1000);
