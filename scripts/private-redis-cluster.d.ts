// Types of private-redis-cluster.js, for the TypeScript tests and the bench.
import type { PrivateRedis } from './private-redis';

export interface PrivateCluster {
  nodes: Array<{ host: string; port: number }>;
  servers: PrivateRedis[];
  /** "host:port,host:port" for REDIS_CLUSTER_NODES. */
  nodesEnv: string;
  cli(port: number, ...args: string[]): string;
  waitForClusterOk(alive?: PrivateRedis[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a local Redis Cluster of `masters` masters (and a replica of the first one). */
export function startPrivateCluster(options?: {
  masters?: number;
  replicaOfFirst?: boolean;
}): Promise<PrivateCluster>;
