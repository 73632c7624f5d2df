// One small node:http server for operators: /healthz, /readyz and (with a Prometheus exporter) /metrics.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConsumerRuntime } from "../runtime.js";

/** What `/metrics` serves: a {@link PrometheusExporter} from "kefgen/runtime/prometheus" fits. */
export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@link serveOperations}. */
export interface OperationsServerOptions {
  /** TCP port; 0 picks a free one (see {@link OperationsServer.port}). */
  readonly port: number;
  /** Interface to listen on (default all, `::`/`0.0.0.0`). */
  readonly host?: string;
  /** Served at `/metrics` when given; otherwise `/metrics` is 404. */
  readonly metrics?: MetricsSource;
}

/** A running operations server. */
export interface OperationsServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening (open keep-alive connections are closed). */
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` (200 while `runtime.health().live`, else 503), `GET /readyz` (200 while
 * `ready`, else 503), both with the {@link HealthReport} as JSON, and `GET /metrics` from `metrics`.
 */
export async function serveOperations(
  runtime: ConsumerRuntime,
  options: OperationsServerOptions,
): Promise<OperationsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "text/plain", "method not allowed\n");
    if (path === "/healthz" || path === "/readyz") {
      const report = runtime.health();
      const ok = path === "/healthz" ? report.live : report.ready;
      return send(ok ? 200 : 503, "application/json", JSON.stringify(report) + "\n");
    }
    if (path === "/metrics" && options.metrics) {
      const source = options.metrics;
      source.text().then(
        (text) => send(200, source.contentType, text),
        (error: unknown) =>
          send(500, "text/plain", `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
      return;
    }
    send(404, "text/plain", "not found: try /healthz, /readyz" + (options.metrics ? " or /metrics" : "") + "\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
