/**
 * Prometheus metrics (prom-client), on a registry of their own so that tests can build several.
 * Served as text by GET /metrics.
 *
 * marketroom_orders_total{result}             placed orders: accepted | rejected
 * marketroom_fills_total                      fill events
 * marketroom_rejects_total{command,code}      rejected commands (engine, room and validation codes)
 * marketroom_command_seconds{command}         engine command latency histogram, seconds
 * marketroom_persister_lag_ms                 age of the oldest event not yet in PostgreSQL, ms (parked games left out)
 * marketroom_persister_parked_games           games parked: their next event PostgreSQL refused (persistence/parked.ts)
 * marketroom_connected_clients                room sessions connected now
 * marketroom_rooms                            game rooms open now
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  readonly orders = new Counter({
    name: "marketroom_orders_total",
    help: "Orders placed, by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly fills = new Counter({ name: "marketroom_fills_total", help: "Fill events", registers: [this.registry] });
  readonly rejects = new Counter({
    name: "marketroom_rejects_total",
    help: "Rejected commands by command and error code",
    labelNames: ["command", "code"] as const,
    registers: [this.registry],
  });
  readonly commandSeconds = new Histogram({
    name: "marketroom_command_seconds",
    help: "Engine command latency, seconds",
    labelNames: ["command"] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private lagSource?: () => Promise<number>;
  readonly persisterLag: Gauge = this.lagGauge();
  private parkedSource?: () => Promise<number>;
  readonly parkedGames: Gauge = this.sourcedGauge(
    "marketroom_persister_parked_games",
    "Games parked: PostgreSQL refused their next event",
    () => this.parkedSource,
  );
  readonly clients = new Gauge({
    name: "marketroom_connected_clients",
    help: "Room sessions connected",
    registers: [this.registry],
  });
  readonly rooms = new Gauge({ name: "marketroom_rooms", help: "Game rooms open", registers: [this.registry] });

  /** `withDefaults` adds prom-client's process metrics (CPU, memory, event loop). */
  constructor(withDefaults = false) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: "marketroom_" });
  }

  /** Sets how the persister lag gauge is read at scrape time (ms; errors leave the last value). */
  setLagSource(read: () => Promise<number>): void {
    this.lagSource = read;
  }

  /** Sets how the parked games gauge is read at scrape time (a count; errors leave the last value). */
  setParkedSource(read: () => Promise<number>): void {
    this.parkedSource = read;
  }

  private lagGauge(): Gauge {
    return this.sourcedGauge(
      "marketroom_persister_lag_ms",
      "Age of the oldest event not yet persisted, ms",
      () => this.lagSource,
    );
  }

  /** A gauge read from `source()` at scrape time; an error keeps the last value. */
  private sourcedGauge(name: string, help: string, source: () => (() => Promise<number>) | undefined): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const read = source();
        if (!read) return;
        try {
          this.set(await read());
        } catch {
          /* keep the last value */
        }
      },
    });
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
