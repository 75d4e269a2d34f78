/**
 * A private 3-master Valkey Cluster for the cluster tests: the cluster of `npm start -- --cluster`
 * (scripts/lib/valkey-cluster.mjs: redis-server 7 / valkey-server with cluster-enabled on free 127.0.0.1
 * ports, AOF with appendfsync always, cluster-require-full-coverage no, data under .data/ of the
 * checkout), plus what tests ask of it.
 *
 *   const vc = await startValkeyCluster();       // 3 masters
 *   vc.env              { VALKEY_CLUSTER: "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" }
 *   vc.nodes[i]         { port, pid, dir }
 *   await vc.nodeOfKey(key)      the index of the node that serves the key's slot
 *   await vc.kill(i) / start(i) / restart(i)    SIGKILL node i / start it again on its port and data
 *                                (resolves once the cluster reports ok again)
 *   await vc.stop()              stops every node and deletes the directories
 */
import { Redis } from "iovalkey";
import {
  cli,
  startValkeyCluster as startLocalCluster,
  type LocalValkeyCluster,
} from "../../../scripts/lib/valkey-cluster.mjs";

export type { ValkeyClusterNode } from "../../../scripts/lib/valkey-cluster.mjs";

export interface ValkeyClusterUnderTest extends LocalValkeyCluster {
  /** The index in `nodes` of the master serving `key`'s slot. */
  nodeOfKey(key: string): Promise<number>;
}

/** Starts `masters` masters and forms the cluster; resolves once every node reports cluster_state:ok. */
export async function startValkeyCluster(masters = 3): Promise<ValkeyClusterUnderTest> {
  const vc = await startLocalCluster({ masters });
  const first = vc.nodes[0]!.port;
  return Object.assign(vc, {
    async nodeOfKey(key: string): Promise<number> {
      const slot = Number((await cli(first, "cluster", "keyslot", key)).trim());
      const c = new Redis({ host: "127.0.0.1", port: first, lazyConnect: true });
      try {
        await c.connect();
        const ranges = (await c.call("cluster", "slots")) as [number, number, [string, number]][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to)!;
        return vc.nodes.findIndex((n) => n.port === range[2][1]);
      } finally {
        c.disconnect();
      }
    },
  });
}
