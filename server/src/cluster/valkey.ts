/**
 * The Valkey connection of a server process or persister: one node (VALKEY_URL) or a Valkey Cluster
 * (VALKEY_CLUSTER, iovalkey's Cluster client). docs/deploy.md, "Valkey Cluster".
 *
 *   const valkey = connectValkey(process.env, { maxRetriesPerRequest: 3 });   // typed as Redis either way
 *   clusterNodes(process.env)   // [{ host, port }, ...] or null (single node)
 *
 * Env: VALKEY_CLUSTER = "host:port,host:port,..." (some masters of the cluster; the client learns the
 * others with CLUSTER SLOTS). Unset: VALKEY_URL (default redis://127.0.0.1:6379). A malformed value throws.
 *
 * The rest of the server is written against iovalkey's `Redis`. Every key of a game carries its hash tag
 * (`game:{<id>}:...`) and every script touches the keys of one game, so each call lands on one shard. What
 * the `Redis` interface promises and the Cluster client does not is bridged here (ValkeyCluster):
 * - `duplicate(redisOptions)`: the Cluster's `duplicate` takes startup nodes first; a Redis-style options
 *   object (the game writer's commit client: no offline queue, no retries) is mapped onto the cluster's
 *   options and every node's connection options.
 * - `pipeline()`: the Cluster client refuses a pipeline whose keys live on several shards ("same slots
 *   allocation group"). Pipelines that span games (the persister's acks and trims, stream lag, API usage
 *   counters) are sent one command each instead, in order, on the connections of their shards; each
 *   gets its own reply as in a pipeline. A pipeline was never atomic, so nothing is lost.
 * - `multi()`: a transaction whose keys all hash to one slot runs as MULTI/EXEC. One that spans slots
 *   cannot be atomic on a cluster, and is refused (exec rejects with CROSSSLOT) rather than run as if it
 *   were: writes that span shards are ordered so that any prefix of them is harmless instead (game
 *   record before the game index, ...; docs/deploy.md, "Keys on several shards").
 * - `del(k1, k2, ...)` of keys in several slots is sent per key and the counts are summed (a DEL of
 *   several keys is not a transaction: each key goes or stays on its own).
 */
import { Cluster, Command, Redis, type ClusterOptions, type RedisOptions } from "iovalkey";

export interface NodeAddress {
  host: string;
  port: number;
}

/** The startup nodes of VALKEY_CLUSTER, or null when it is unset or empty. Throws on a malformed entry. */
export function clusterNodes(env: NodeJS.ProcessEnv = process.env): NodeAddress[] | null {
  const raw = (env.VALKEY_CLUSTER ?? "").trim();
  if (!raw) return null;
  return raw.split(",").map((entry) => {
    const m = /^\s*(?:redis:\/\/)?([^:\s]+):(\d{1,5})\s*$/.exec(entry);
    if (!m || Number(m[2]) > 65535) throw new Error(`VALKEY_CLUSTER: "${entry}" is not host:port`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

/**
 * A client for the configured Valkey: a ValkeyCluster when VALKEY_CLUSTER is set (typed as Redis: it
 * answers the commands the server uses, see the header), else `new Redis(VALKEY_URL, options)`.
 */
export function connectValkey(env: NodeJS.ProcessEnv, options: RedisOptions = {}): Redis {
  const nodes = clusterNodes(env);
  if (!nodes) return new Redis(env.VALKEY_URL || "redis://127.0.0.1:6379", options);
  return new ValkeyCluster(nodes, clusterOptions(options)) as unknown as Redis;
}

/** Whether `client` is a cluster client (some callers read per shard). */
export function isCluster(client: unknown): boolean {
  return client instanceof Cluster;
}

/** Cluster options carrying Redis-style options (per node, and the ones the Cluster has itself). */
function clusterOptions(o: RedisOptions, base: ClusterOptions = {}): ClusterOptions {
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...perNode } = o;
  return {
    ...base,
    // CLUSTERDOWN / TRYAGAIN while a shard restarts: retry soon, not after the 100 ms default
    retryDelayOnClusterDown: 50,
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    // a connection that must not retry (the commit client) gives up on the cluster as a whole too
    ...(retryStrategy !== undefined ? { clusterRetryStrategy: (n: number) => retryStrategy(n) ?? null } : {}),
    redisOptions: { ...base.redisOptions, ...perNode, ...(retryStrategy !== undefined ? { retryStrategy } : {}) },
  };
}

type Recorded = [name: string, args: unknown[]];
type Reply = [Error | null, unknown];
type Runner = (client: ValkeyCluster, cmds: Recorded[]) => Promise<Reply[]>;

/** The slots of a command's keys (empty when it has none). */
function slotsOf([name, args]: Recorded): number[] {
  const keys = new Command(name, args as string[]).getKeys();
  return keys.map((k) => new Command("get", [k]).getSlot()!);
}

/** Runs commands one by one (issued in order, not awaited in between: they pipeline per shard). */
const oneByOne: Runner = (client, cmds) =>
  Promise.all(
    cmds.map(([name, args]) => {
      const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
      if (typeof fn !== "function") return Promise.resolve<Reply>([new Error(`unknown command ${name}`), null]);
      return fn.apply(client, args).then(
        (r): Reply => [null, r],
        (e: Error): Reply => [e, null],
      );
    }),
  );

/**
 * A chainable recorder with the pipeline's shape (`.cmd(...args)` chained, `.exec()`, `.length`), run by
 * `run` on exec.
 */
function recorder(client: ValkeyCluster, run: Runner): unknown {
  const cmds: Recorded[] = [];
  const proxy: unknown = new Proxy(
    {},
    {
      get(_t, prop) {
        if (prop === "then") return undefined; // not a promise
        if (prop === "length") return cmds.length;
        if (prop === "exec")
          return async (cb?: (err: Error | null, r?: Reply[]) => void) => {
            const out = run(client, cmds);
            if (cb) out.then((r) => cb(null, r), cb);
            return out;
          };
        return (...args: unknown[]) => {
          cmds.push([String(prop), args]);
          return proxy;
        };
      },
    },
  );
  return proxy;
}

/** iovalkey's Cluster client with the Redis-compatible parts the server relies on (see the header). */
export class ValkeyCluster extends Cluster {
  constructor(
    private readonly nodesAtStart: NodeAddress[],
    options: ClusterOptions,
  ) {
    super(nodesAtStart, options);
  }

  /** Redis-style `duplicate(options)`, or the Cluster's `duplicate(nodes, clusterOptions)`. */
  override duplicate(a?: unknown[] | RedisOptions, b: ClusterOptions = {}): Cluster {
    if (Array.isArray(a))
      return new ValkeyCluster(a.length ? (a as NodeAddress[]) : this.nodesAtStart, { ...this.options, ...b });
    return new ValkeyCluster(this.nodesAtStart, clusterOptions(a ?? {}, this.options));
  }

  /** A pipeline sent one command each (it may span shards; see the header). */
  override pipeline(commands?: unknown[][]): never {
    const p = recorder(this, oneByOne) as Record<string, (...a: unknown[]) => unknown>;
    for (const [name, ...args] of commands ?? []) p[String(name)]!(...args);
    return p as never;
  }

  /** MULTI/EXEC when every key is in one slot; exec rejects with CROSSSLOT otherwise (see the header). */
  override multi(...args: unknown[]): never {
    if (args.length) return (super.multi as (...a: unknown[]) => never)(...args);
    return recorder(this, async (client, cmds) => {
      const slots = new Set(cmds.flatMap(slotsOf));
      if (slots.size > 1)
        throw new Error(
          `CROSSSLOT a MULTI over ${slots.size} slots cannot be atomic on a Valkey Cluster: ${cmds.map(([n]) => n).join(", ")}`,
        );
      const m = Cluster.prototype.multi.call(client) as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const [name, a] of cmds) m[name]!(...a);
      return ((await (m.exec as () => Promise<Reply[] | null>)()) ?? []) as Reply[];
    }) as never;
  }

  /** DEL of keys in several slots: per key, counts summed. */
  override del(...args: unknown[]): never {
    const cb = typeof args.at(-1) === "function" ? (args.pop() as (e: Error | null, n?: number) => void) : null;
    const keys = args.flat() as string[];
    const slots = new Set(keys.map((k) => slotsOf(["del", [k]])[0]));
    const run =
      slots.size <= 1
        ? (Cluster.prototype.del as (...k: string[]) => Promise<number>).apply(this, keys)
        : Promise.all(keys.map((k) => (Cluster.prototype.del as (k: string) => Promise<number>).call(this, k))).then(
            (ns) => ns.reduce((a, n) => a + n, 0),
          );
    if (cb) run.then((n) => cb(null, n), cb);
    return run as never;
  }
}
