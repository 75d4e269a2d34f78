// Types of valkey-cluster.mjs for the TypeScript code that imports it (server/test/support/valkey-cluster.ts).

export interface ValkeyClusterNode {
  port: number;
  pid: number;
  dir: string;
}

export interface LocalValkeyCluster {
  nodes: ValkeyClusterNode[];
  env: { VALKEY_CLUSTER: string };
  kill(i: number): Promise<void>;
  /** Starts a killed node again on its port and data; resolves once the cluster state is ok. */
  start(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Runs valkey-cli (or redis-cli) against 127.0.0.1:port; resolves with its stdout. */
export function cli(port: number, ...args: string[]): Promise<string>;

export function startValkeyCluster(options?: {
  masters?: number;
  dataDir?: string;
  say?: (line: string) => void;
}): Promise<LocalValkeyCluster>;
