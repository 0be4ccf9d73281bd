'use strict';
// Minimal batchers that measure the floor under the batch benchmarks: what
// one promise per load costs with nothing else (BareBatcher), and what the
// cheapest dedupe plain JavaScript offers adds to it (BareDedupeBatcher: a
// Map per batch). They batch per tick like dataloader and have none of
// BatchProcessor's byte triggers, caps, abort, in-flight bound or close.
// loadMany() answers with one promise for all its keys.

const resolved = Promise.resolve();
let capturedResolve = null;
let capturedReject = null;
function capture(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}

class Batch {
  constructor() {
    this.keys = [];
    // Per waiter: resolve (or a loadMany group), reject (or the position), slot.
    this.a = [];
    this.b = [];
    this.slot = [];
    this.index = null;
  }
}

class ManyGroup {
  constructor(n, resolve) {
    this.results = new Array(n);
    this.left = n;
    this.resolve = resolve;
  }
}

class BareBatcher {
  constructor(execute, maxBatchSize, dedupe = false) {
    this.execute = execute;
    this.maxBatchSize = maxBatchSize;
    this.dedupe = dedupe;
    this.batch = null;
  }

  /** A new batch, sent at the end of this tick (as dataloader does), full or not. */
  open() {
    const batch = new Batch();
    if (this.dedupe) batch.index = new Map();
    this.batch = batch;
    resolved.then(() => process.nextTick(() => this.dispatch(batch)));
    return batch;
  }

  add(key, a, b) {
    const batch = this.batch ?? this.open();
    let slot;
    if (batch.index === null) {
      slot = batch.keys.push(key) - 1;
    } else {
      slot = batch.index.get(key);
      if (slot === undefined) {
        slot = batch.keys.push(key) - 1;
        batch.index.set(key, slot);
      }
    }
    batch.a.push(a);
    batch.b.push(b);
    batch.slot.push(slot);
    if (batch.keys.length === this.maxBatchSize) this.batch = null;
  }

  load(key) {
    const promise = new Promise(capture);
    this.add(key, capturedResolve, capturedReject);
    return promise;
  }

  loadMany(keys) {
    const promise = new Promise(capture);
    const group = new ManyGroup(keys.length, capturedResolve);
    for (let i = 0; i < keys.length; i++) this.add(keys[i], group, i);
    return promise;
  }

  dispatch(batch) {
    if (this.batch === batch) this.batch = null;
    this.execute(batch.keys).then((values) => {
      const { a, b, slot } = batch;
      for (let w = 0; w < a.length; w++) {
        const value = values[slot[w]];
        if (typeof b[w] === 'number') {
          const group = a[w];
          group.results[b[w]] = value;
          if (--group.left === 0) group.resolve(group.results);
        } else if (value instanceof Error) {
          b[w](value);
        } else {
          a[w](value);
        }
      }
    });
  }
}

module.exports = { BareBatcher };
