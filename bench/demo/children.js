'use strict';
// Child processes of the demo (backend, app instances, redis-server): each
// one is tracked, and all are stopped on exit, on Ctrl-C and on errors. Node
// children also exit on their own when the IPC channel to the demo closes,
// so even a demo killed with -9 leaves nothing behind.
const { fork, spawn } = require('node:child_process');
const net = require('node:net');

const running = new Set();

function killAll(signal = 'SIGKILL') {
  for (const child of running) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every process the demo started\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** Forks a Node child with an IPC channel and waits for its { ready, port } message. */
function forkReady(file, env, timeoutMs = 20_000) {
  hookExit();
  const child = fork(file, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve({ child, port: m.port });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code} before it was ready`));
    });
  });
}

/** Asks a forked child to stop, then kills it if it has not exited within `timeoutMs`. */
function stop(child, timeoutMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end('PING\r\n'));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

/** Starts redis-server on a free loopback port (no persistence); resolves to { child, url }. */
async function startRedis(bin = 'redis-server') {
  hookExit();
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await ping(port)) return { child, url: `redis://127.0.0.1:${port}` };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Whether `bin` can be run (found on the PATH). */
function onPath(bin) {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(bin, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

module.exports = { forkReady, stop, startRedis, onPath, killAll, running };
