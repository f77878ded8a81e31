// `npm start`: runs the built demo (npm's prestart builds it): the HTTP API, which only enqueues,
// and the worker pool's supervisor (dist/demo/src/worker.js without queue names), which starts a
// process for each pooled queue (`reports`) and one for the other queues, so a CPU-bound report
// never runs on the API's thread or beside urgent jobs. Without REDIS_URL it starts a private
// redis-server for their lifetime, so a fresh machine needs nothing but Node and Redis.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startPrivateRedis } = require('./private-redis');

const DIST = path.join(__dirname, '..', 'dist', 'demo', 'src');
const API = path.join(DIST, 'main.js');
const POOL = path.join(DIST, 'worker.js');

async function main() {
  for (const entry of [API, POOL]) {
    if (!fs.existsSync(entry)) {
      console.error(
        `${entry} is missing. Build the demo first: npm run build:demo (npm start does it for you).`,
      );
      process.exit(1);
    }
  }
  let redis;
  if (!process.env.REDIS_URL) {
    try {
      redis = await startPrivateRedis({ detached: true });
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
    console.log(
      `Started a private redis-server at ${redis.url} (no persistence; set REDIS_URL to use your own).`,
    );
  }
  const env = redis ? { ...process.env, REDIS_URL: redis.url } : process.env;
  // Each in its own process group: Ctrl-C signals the whole terminal group (npm, sh, us) and Nest
  // stops an app hard on a second signal, so each must get exactly one, from us.
  const children = [
    spawn(process.execPath, [API], {
      stdio: 'inherit',
      env: { ...env, JOBS_WORKERS: 'none' },
      detached: true,
    }),
    spawn(process.execPath, [POOL], { stdio: 'inherit', env, detached: true }),
  ];
  const running = (child) =>
    child.exitCode === null && child.signalCode === null;
  let stopping = false;
  let failed = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (running(child)) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => stop(signal));
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) =>
          child.once('exit', (code, signal) => {
            // One of them ended on its own (a crash, a crash loop in the pool): stop the other.
            if (!stopping) {
              failed = true;
              console.error(
                `${child === children[0] ? 'The API' : 'The worker pool'} exited (${signal ?? `code ${code}`}); stopping the demo.`,
              );
              stop('SIGTERM');
            }
            if (code !== null && code !== 0) failed = true;
            resolve();
          }),
        ),
    ),
  );
  // Redis goes last, after the API and every worker process have closed their connections.
  if (redis) await redis.stop();
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
