import type { ResourceRecord } from './resource-record.js';

/**
 * Idle resources, most recently released on top. Handing out the top (LIFO)
 * keeps the busy set small, so after a spike the surplus sinks to the bottom,
 * stays unused and is reaped by the idle timeout.
 */
export class IdleList<T> {
  private readonly items: ResourceRecord<T>[] = [];

  /** Number of idle resources. */
  get length(): number {
    return this.items.length;
  }

  /** Adds a just-released resource on top. */
  push(record: ResourceRecord<T>): void {
    this.items.push(record);
  }

  /** Adds a resource at the bottom (one that was idle long, e.g. after a health check). */
  pushBottom(record: ResourceRecord<T>): void {
    this.items.unshift(record);
  }

  /** Takes the most recently used resource. */
  pop(): ResourceRecord<T> | undefined {
    return this.items.pop();
  }

  /** Removes a specific resource (O(n), maintenance only); false when absent. */
  remove(record: ResourceRecord<T>): boolean {
    const index = this.items.lastIndexOf(record);
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }

  /** Removes and returns every idle resource. */
  takeAll(): ResourceRecord<T>[] {
    return this.items.splice(0, this.items.length);
  }
}
