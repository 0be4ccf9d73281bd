/** A handler for the metrics endpoint: the registry in Prometheus text format. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics as defaultRegistry, type MetricsRegistry } from '../metrics/registry.js';

/** `(req, res)` answering with `registry.prometheus()` (text format 0.0.4). Mount it at /metrics. */
export function metricsHandler(registry: MetricsRegistry = defaultRegistry): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const body = registry.prometheus();
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  };
}
