/**
 * Real HTTP over loopback for the httpCache tests: a server on a free port
 * closed by t.teardown, raw requests whose headers are exactly the ones given
 * (no client adds Accept-Encoding or Cache-Control), bodies as received
 * (never decoded), and a manual clock for the freshness logic.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { ExecutionContext } from 'ava';

/** A listening server. */
export interface TestServer {
  port: number;
  server: http.Server;
}

/** Serves `handler` on 127.0.0.1 until the test ends. */
export async function serve(t: ExecutionContext, handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server };
}

/** A response as received. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body decoded according to Content-Encoding, as UTF-8 text. */
  text: string;
}

/** Decodes a body by its content coding. */
export function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding) {
    case undefined:
    case 'identity':
      return body;
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    case 'zstd': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const zstd = require('zstd-napi') as typeof import('zstd-napi');
      return zstd.decompress(body);
    }
    default:
      throw new Error(`unexpected content-encoding ${encoding}`);
  }
}

/** Sends one request with exactly `headers` (Host defaults to 127.0.0.1:port unless given, or null to omit). */
export function request(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[] | null> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    let setHost = true;
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (k.toLowerCase() === 'host') setHost = false;
      if (v !== null) headers[k] = v;
    }
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, setHost, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let text = '';
        try {
          text = decodeBody(body, res.headers['content-encoding']).toString('utf8');
        } catch (err) {
          reject(err);
          return;
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The parameters of this cache's Cache-Status entry (the last member), e.g. { hit: true, ttl: '59' }. */
export function cacheStatus(reply: Reply, name = 'tiercache'): Record<string, string | true> {
  const value = reply.headers['cache-status'];
  if (typeof value !== 'string') return {};
  const members = value.split(',').map((m) => m.trim());
  const mine = members.reverse().find((m) => m.startsWith(name + ';') || m === name);
  const out: Record<string, string | true> = {};
  if (mine === undefined) return out;
  for (const part of mine.split(';').slice(1)) {
    const [k, v] = part.trim().split('=');
    out[k] = v === undefined ? true : v;
  }
  return out;
}

/** A clock moved by hand, for options.now. */
export class ManualNow {
  private t = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Resolves after `ms` of real time (for letting background work run, never for asserting timing). */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition` holds, polling; fails after a generous guard (hangs only). */
export async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await settle(5);
  }
}

/** A JSON body of about `bytes` bytes (compressible, deterministic). */
export function jsonBody(bytes: number, tag = 'x'): string {
  const items: unknown[] = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const item = { id: i, tag, name: `item number ${i}`, price: (i * 7919) % 1000, tags: ['alpha', 'beta', String(i % 13)] };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return JSON.stringify(items);
}
