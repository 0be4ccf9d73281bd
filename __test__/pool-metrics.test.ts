/** ConnectionPool reports db.client.connection.* metrics into the registry. */
import test from 'ava';
import { ConnectionPool } from '../ts/index.js';
import { MetricsRegistry } from '../ts/metrics/index.js';
import { metricValue } from './helpers/metrics.js';

test('pool metrics match the pool state and counters, and drain() unregisters', async (t) => {
  const registry = new MetricsRegistry();
  let next = 0;
  const pool = new ConnectionPool({ create: () => ({ id: next++ }), destroy: () => undefined, max: 3, metrics: registry, name: 'db' });
  const a = await pool.acquire();
  const b = await pool.acquire();
  pool.release(a);
  const name = { 'db.client.connection.pool.name': 'db' };
  const snap = registry.snapshot();
  t.is(metricValue(snap, 'db.client.connection.count', { ...name, 'db.client.connection.state': 'used' }), 1);
  t.is(metricValue(snap, 'db.client.connection.count', { ...name, 'db.client.connection.state': 'idle' }), 1);
  t.is(metricValue(snap, 'db.client.connection.max', name), 3);
  t.is(metricValue(snap, 'db.client.connection.creates', name), pool.stats().created);
  t.is(metricValue(snap, 'db.client.connection.wait_time', name), 2, 'two acquires recorded');
  pool.release(b);
  await pool.drain();
  t.is(metricValue(registry.snapshot(), 'db.client.connection.max', name), undefined);
  t.is(pool.stats().created, pool.stats().destroyed);
});

test('a bad metrics option is rejected by name', (t) => {
  t.throws(() => new ConnectionPool({ create: () => 1, destroy: () => undefined, metrics: 1 as unknown as boolean }), {
    instanceOf: TypeError,
    message: /^options\.metrics must be a MetricsRegistry or a boolean/,
  });
});
