// `npm start`: runs the built demo (npm's prestart builds it). Without REDIS_URL it starts a
// private redis-server for the demo's lifetime, so a fresh machine needs nothing but Node and Redis.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startPrivateRedis } = require('./private-redis');

const ENTRY = path.join(__dirname, '..', 'dist', 'demo', 'src', 'main.js');

async function main() {
  if (!fs.existsSync(ENTRY)) {
    console.error(`${ENTRY} is missing. Build the demo first: npm run build:demo (npm start does it for you).`);
    process.exit(1);
  }
  let redis;
  if (!process.env.REDIS_URL) {
    try {
      redis = await startPrivateRedis({ detached: true });
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
    console.log(`Started a private redis-server at ${redis.url} (no persistence; set REDIS_URL to use your own).`);
  }
  const env = redis ? { ...process.env, REDIS_URL: redis.url } : process.env;
  // Its own process group: Ctrl-C signals the whole terminal group (npm, sh, us) and Nest kills
  // the app hard on a second signal, so the app must get exactly one, from us.
  const app = spawn(process.execPath, [ENTRY], { stdio: 'inherit', env, detached: true });
  let forwarded = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (forwarded || app.exitCode !== null || app.signalCode !== null) return;
      forwarded = true;
      app.kill(signal);
    });
  }
  app.on('exit', async (code, signal) => {
    // Redis goes last, after the app has closed its workers and connections.
    if (redis) await redis.stop();
    process.exit(code ?? (signal ? 0 : 1));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
