// Starts a throw-away Redis Cluster on loopback ports: `masters` masters (3 by default) and,
// optionally, one replica for the first master, created with `redis-cli --cluster create`.
// For the cluster tests and the scale-out bench. Plain CommonJS, like private-redis.js.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { startPrivateRedis } = require('./private-redis');

/** A free port whose cluster bus port (port + 10000) is free and valid too. */
async function freeClusterPort() {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
  throw new Error('Redis Cluster: no free loopback port pair found');
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function startPrivateCluster({
  masters = 3,
  replicaOfFirst = false,
} = {}) {
  execFileSync('redis-cli', ['--version']); // throws with a clear ENOENT if redis-tools is missing
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestjs-jobs-cluster-'));
  const count = masters + (replicaOfFirst ? 1 : 0);
  const nodes = [];
  for (let i = 0; i < count; i++) {
    const nodeDir = path.join(dir, `node-${i}`);
    fs.mkdirSync(nodeDir);
    nodes.push(
      await startPrivateRedis({
        port: await freeClusterPort(),
        dir: nodeDir,
        extraArgs: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '1000',
          '--appendonly',
          'yes',
        ],
      }),
    );
  }
  const addresses = nodes.slice(0, masters).map((n) => `127.0.0.1:${n.port}`);
  execFileSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { stdio: 'pipe' },
  );
  await waitForClusterOk(nodes.slice(0, masters));
  if (replicaOfFirst) {
    const replica = nodes[masters];
    const masterId = cli(nodes[0].port, 'CLUSTER', 'MYID').trim();
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'add-node',
        `127.0.0.1:${replica.port}`,
        addresses[0],
        '--cluster-slave',
        '--cluster-master-id',
        masterId,
      ],
      { stdio: 'pipe' },
    );
    await waitFor(
      () =>
        cli(replica.port, 'ROLE').startsWith('slave') &&
        /master_link_status:up/.test(cli(replica.port, 'INFO', 'replication')),
      'replica to sync',
    );
  }
  await waitForClusterOk(nodes);
  return {
    nodes: nodes
      .slice(0, count)
      .map((n) => ({ host: '127.0.0.1', port: n.port })),
    servers: nodes,
    /** "host:port,host:port" for REDIS_CLUSTER_NODES. */
    nodesEnv: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    cli,
    waitForClusterOk: (alive = nodes) => waitForClusterOk(alive),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function cli(port, ...args) {
  return execFileSync('redis-cli', ['-p', String(port), ...args], {
    encoding: 'utf8',
  });
}

async function waitForClusterOk(nodes) {
  await waitFor(
    () =>
      nodes.every((n) => {
        try {
          return /cluster_state:ok/.test(cli(n.port, 'CLUSTER', 'INFO'));
        } catch {
          return false;
        }
      }),
    'cluster_state:ok on every node',
  );
}

async function waitFor(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Redis Cluster: timed out waiting for ${what}`);
}

module.exports = { startPrivateCluster };
