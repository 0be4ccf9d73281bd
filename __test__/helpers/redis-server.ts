/**
 * Real redis-server processes for tests: started on a free loopback port with
 * no persistence, and stopped, killed (-9), restarted on the same port, or
 * paused/resumed (SIGSTOP/SIGCONT) by the test. Every server is cleaned up by
 * t.teardown and, as a last resort, when the test process exits.
 *
 * A missing or broken redis-server fails the start at once with a message
 * saying how to install it (REDIS_SERVER_BIN overrides the binary); only a
 * port conflict is retried: on another free port for start(), on the same
 * port for restart() (the killed server's port can stay busy for a moment).
 *
 * @example
 * const server = await RedisServer.start(t);
 * const client = new Redis({ port: server.port });
 * await server.restart();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

const READY_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 5_000;
/** Fresh ports tried by start() when the chosen one was taken meanwhile. */
const START_ATTEMPTS = 5;
/** How long restart() keeps retrying a port still busy after kill -9 (a hang guard). */
const SAME_PORT_RETRY_MS = 10_000;
const INSTALL_HINT =
  'the Redis tests need redis-server 7 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_SERVER_BIN to its path';

/** The redis-server binary: REDIS_SERVER_BIN, else redis-server on the PATH. */
function defaultBin(): string {
  return process.env.REDIS_SERVER_BIN || 'redis-server';
}

/** The server could not listen because its port is taken: worth another try. */
class PortInUseError extends Error {}

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** The redis-server binary (default: REDIS_SERVER_BIN, else redis-server on the PATH). */
  bin?: string;
}

const running = new Set<RedisServer>();
let exitHookInstalled = false;

function killAllSync(): void {
  for (const server of running) server.killSync();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllSync);
  // On a termination signal, clean up and then die of the same signal (the
  // listener is removed first, so re-raising gets the default behaviour).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; redis retries if it is taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Encodes a command in RESP. */
function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Sends one command over a fresh connection and returns the raw reply (enough
 * for status, integer and bulk replies; this is a test utility, not a client).
 */
export function rawCommand(port: number, args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]} on port ${port}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const complete = (): boolean => {
      if (!data.includes('\r\n')) return false;
      if (data[0] !== '$') return true;
      const length = Number(data.slice(1, data.indexOf('\r\n')));
      return length < 0 || Buffer.byteLength(data) >= data.indexOf('\r\n') + 2 + length + 2;
    };
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (complete()) {
        clearTimeout(timer);
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One redis-server child process. */
export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private output = '';
  private extraArgs: readonly string[] = [];
  private launches = 0;

  private constructor(
    readonly port: number,
    private readonly bin: string,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tiercache-redis-'));
  }

  /**
   * Starts a server on a free port; it is stopped when the test ends. Fails
   * at once, saying how to install redis-server, when the binary is missing
   * or exits before it is ready.
   */
  static async start(t?: ExecutionContext, extraArgs: readonly string[] = [], options: RedisServerOptions = {}): Promise<RedisServer> {
    installExitHook();
    const bin = options.bin ?? defaultBin();
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await freePort(), bin);
      t?.teardown(() => server.stop());
      try {
        await server.launch(extraArgs);
        return server;
      } catch (error) {
        await server.stop();
        if (!(error instanceof PortInUseError) || attempt === START_ATTEMPTS) throw error;
      }
    }
  }

  /** Processes spawned so far for this server (launches, including refused ones). */
  get launchCount(): number {
    return this.launches;
  }

  /** Whether the process is running (paused counts as running). */
  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** The process id, while running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a command (see rawCommand) and returns the raw reply. */
  command(...args: string[]): Promise<string> {
    return rawCommand(this.port, args);
  }

  /** Closes every normal client connection (`CLIENT KILL TYPE normal`), except the one sending it. */
  async killClients(): Promise<number> {
    const reply = await this.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    return Number(reply.slice(1, reply.indexOf('\r\n')));
  }

  /** Number of connected clients, not counting the one asking. */
  async connectedClients(): Promise<number> {
    const reply = await this.command('CLIENT', 'LIST');
    return reply.split('\n').filter((line) => line.startsWith('id=')).length - 1;
  }

  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Hard kill (SIGKILL), waiting for the process to exit. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /**
   * Kill -9 (if running) and start again on the same port: an empty server,
   * as there is no persistence. Retries while the port is still busy.
   */
  async restart(): Promise<void> {
    await this.kill();
    const deadline = Date.now() + SAME_PORT_RETRY_MS;
    for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 200)) {
      try {
        await this.launch(this.extraArgs);
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Resumes a paused server (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Synchronous SIGKILL for process exit hooks. */
  killSync(): void {
    if (this.child === undefined) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (signal === 'SIGTERM') child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, EXIT_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    await this.exited;
  }

  private async launch(extraArgs: readonly string[]): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.extraArgs = extraArgs;
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--loglevel', 'warning',
      ...extraArgs,
    ];
    this.launches++;
    const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(this);
    this.output = '';
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    // Why the process is gone (a spawn error such as ENOENT, or its exit status), once it is.
    const exit: { why: string | null } = { why: null };
    this.exited = new Promise<void>((resolve) => {
      const done = (why: string): void => {
        exit.why ??= why;
        if (this.child === child) this.child = undefined;
        running.delete(this);
        resolve();
      };
      // 'close', not 'exit': the process and its pipes are gone, so nothing of it keeps the loop alive.
      child.once('close', (code, signal) => done(signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
      child.once('error', (error) => done(`could not be run (${error.message})`));
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const gone = exit.why;
      if (gone !== null) {
        // Let the last output arrive before quoting it.
        await new Promise((resolve) => setImmediate(resolve));
        const output = this.output.trim();
        if (/Address already in use/.test(output)) throw new PortInUseError(`port ${this.port} is in use: ${output}`);
        const what = gone.startsWith('could not') ? gone : `${gone} before it was ready on port ${this.port}`;
        throw new Error(`redis-server (${this.bin}) ${what}; ${INSTALL_HINT}. Output: ${output || '(none)'}`);
      }
      try {
        if ((await rawCommand(this.port, ['PING'], 1000)).startsWith('+PONG')) return;
      } catch {
        // not listening yet
      }
      if (exit.why !== null) continue;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server (${this.bin}) on port ${this.port} not ready within ${READY_TIMEOUT_MS} ms: ${this.output.trim()}`);
      }
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }
}
