// Health and readiness: derived from each connection's state, its last fetch response and its
// handler progress. Plain data, for Kubernetes probes (see docs/operations.md, "Health").

import type { ConnectionMetrics, ConnectionState } from "./metrics.js";

/** How long a connection may go without progress before it is not ready, and before it is not live. */
export interface HealthSettings {
  /** A running connection without a fetch response or a handled record for this long is not ready (default 15 s). */
  readonly readyTimeoutMs: number;
  /** A running connection without a fetch response or a handled record for this long is not live: a stuck loop (default 120 s). */
  readonly liveTimeoutMs: number;
}

/** Defaults of {@link HealthSettings}: readiness reacts within seconds, liveness only to a loop stuck for minutes. */
export const DEFAULT_HEALTH: HealthSettings = { readyTimeoutMs: 15_000, liveTimeoutMs: 120_000 };

/** The health of one connection. */
export interface ConnectionHealth {
  readonly name: string;
  readonly groupId: string;
  readonly state: ConnectionState;
  /** Joined its group and fetching (progress within `readyTimeoutMs`), or waiting by design for its topics. */
  readonly ready: boolean;
  /** Not crashed, and not a running loop without progress for `liveTimeoutMs`. */
  readonly live: boolean;
  /** Milliseconds since the last fetch response or handled record; `null` before the first. */
  readonly sinceProgressMs: number | null;
  /** Why it is not ready or not live; `undefined` when it is both. */
  readonly reason: string | undefined;
}

/** What {@link ConsumerRuntime.health} returns. */
export interface HealthReport {
  /** Every connection is live (false while none exists). */
  readonly live: boolean;
  /** Every connection is ready (false while none exists). */
  readonly ready: boolean;
  readonly connections: readonly ConnectionHealth[];
}

/**
 * Remembers when each connection last made progress: a fetch response (kafkajs's `consumer.events.FETCH`,
 * which also comes while every topic is paused) or a change of its handled/failed/dropped counters.
 */
export class ProgressWatch {
  private readonly lastFetchAt = new Map<string, number>();
  private readonly counters = new Map<string, { total: number; at: number }>();
  /** When a report first saw each connection running: the start of its liveness bound before any progress. */
  private readonly runningSince = new Map<string, number>();

  /** Notes a fetch response of connection `name`. */
  fetched(name: string, now = Date.now()): void {
    this.lastFetchAt.set(name, now);
  }

  /** The health of every connection, from its metrics. */
  report(connections: readonly ConnectionMetrics[], settings: HealthSettings, now = Date.now()): HealthReport {
    const healths = connections.map((c) => this.connectionHealth(c, settings, now));
    return {
      live: healths.length > 0 && healths.every((h) => h.live),
      ready: healths.length > 0 && healths.every((h) => h.ready),
      connections: healths,
    };
  }

  private connectionHealth(c: ConnectionMetrics, settings: HealthSettings, now: number): ConnectionHealth {
    const total = c.topics.reduce((sum, t) => sum + t.handled + t.errors + t.dropped, 0);
    const seen = this.counters.get(c.name);
    if (!seen || seen.total !== total) this.counters.set(c.name, { total, at: now });
    const handledAt = seen && seen.total === total ? seen.at : total > 0 ? now : undefined;
    const fetchAt = this.lastFetchAt.get(c.name);
    const last = Math.max(fetchAt ?? Number.NEGATIVE_INFINITY, handledAt ?? Number.NEGATIVE_INFINITY);
    const sinceProgressMs = Number.isFinite(last) ? now - last : null;
    const stale = (limit: number): boolean => sinceProgressMs === null || sinceProgressMs > limit;

    let ready: boolean;
    let live = true;
    let reason: string | undefined;
    switch (c.state) {
      case "waiting":
        ready = true;
        break;
      case "running": {
        if (!this.runningSince.has(c.name)) this.runningSince.set(c.name, now);
        const sinceAnything = sinceProgressMs ?? now - this.runningSince.get(c.name)!;
        ready = !stale(settings.readyTimeoutMs);
        live = sinceAnything <= settings.liveTimeoutMs;
        if (!live)
          reason = `no fetch response and no handled record for ${sinceAnything} ms (limit ${settings.liveTimeoutMs} ms)`;
        else if (!ready)
          reason =
            sinceProgressMs === null
              ? "no fetch response yet"
              : `no fetch response and no handled record for ${sinceProgressMs} ms (limit ${settings.readyTimeoutMs} ms)`;
        break;
      }
      case "crashed":
        ready = false;
        live = false;
        reason = `crashed and gave up: ${c.lastCrash?.error ?? "unknown error"}`;
        break;
      default:
        this.runningSince.delete(c.name);
        ready = false;
        reason =
          c.state === "restarting" && c.lastCrash ? `restarting after: ${c.lastCrash.error}` : `state ${c.state}`;
    }
    return { name: c.name, groupId: c.groupId, state: c.state, ready, live, sinceProgressMs, reason };
  }
}
