/**
 * A local Redis Cluster for tests: N redis-server processes started with
 * cluster-enabled on free ports (and free cluster-bus ports), joined with
 * `redis-cli --cluster create` (masters only), and ready once every node
 * reports cluster_state:ok. Each node is a RedisServer, stopped at teardown.
 */
import { execFile } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { freePort, RedisServer } from './redis-server.js';

const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';
const READY_TIMEOUT_MS = 30_000;

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  /** Ports of the masters. */
  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** Startup nodes for ioredis. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** Starts `masters` nodes and creates the cluster. */
  static async start(t: ExecutionContext | undefined, masters = 3): Promise<RedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: masters }, async () =>
        RedisServer.start(t, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', '5000',
          '--cluster-port', String(await freePort()),
        ]),
      ),
    );
    const cluster = new RedisCluster(nodes);
    await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], READY_TIMEOUT_MS);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const states = await Promise.all(nodes.map((n) => n.command('CLUSTER', 'INFO')));
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`cluster not ready within ${READY_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
