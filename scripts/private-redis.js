// Starts a throw-away redis-server on a free loopback port, for `npm start`, `npm test` and
// `npm run bench` when no REDIS_URL is given. Plain CommonJS so every entry point can require it.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const INSTALL_HINT = {
  linux:
    'sudo apt-get install -y redis-server   (Fedora: sudo dnf install redis)',
  darwin: 'brew install redis',
  win32: 'wsl --install, then inside WSL: sudo apt-get install -y redis-server',
};

function findRedisServer() {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return 'redis-server';
  const hint = INSTALL_HINT[process.platform] ?? INSTALL_HINT.linux;
  throw new Error(
    `No REDIS_URL is set and no redis-server is on the PATH, so no Redis can be started.\n` +
      `Install Redis with:  ${hint}\n` +
      `or point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://127.0.0.1:6379`,
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server. Options: `appendonly` (AOF on, for restart tests), `port` (to restart on
 * the same port), `dir` (data directory to reuse), `extraArgs`, `detached`. Returns { url, port, dir, pid, stop() }.
 */
async function startPrivateRedis(options = {}) {
  const binary = findRedisServer();
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir =
    options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nestjs-jobs-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.extraArgs ?? []),
  ];
  // `detached`: its own process group, so a terminal's Ctrl-C does not stop Redis before the app
  // that uses it has finished shutting down (the caller stops it).
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: Boolean(options.detached),
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await waitForPort(port, child, () => output);
  // `keepDir` leaves the data directory for a restart on the same data (AOF tests).
  const stop = ({ keepDir = false, signal = 'SIGTERM' } = {}) =>
    new Promise((resolve) => {
      const done = () => {
        if (ownDir && !keepDir)
          fs.rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill(signal);
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: child.pid,
    process: child,
    stop,
  };
}

async function waitForPort(port, child, output) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited at start-up:\n${output()}`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.write('PING\r\n');
        socket.once('data', (d) => {
          socket.destroy();
          resolve(String(d).startsWith('+PONG'));
        });
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(
    `redis-server did not answer on port ${port} within 10 s:\n${output()}`,
  );
}

module.exports = { startPrivateRedis, findRedisServer };
