/**
 * Gap detection: the next expected sequence number of every sender stream.
 * A stream seen for the first time starts where it is (its earlier messages
 * predate our subscription, and L1 was flushed when we subscribed). Streams
 * of dead senders are forgotten oldest-first beyond `maxStreams`.
 */
export class SequenceTracker {
  readonly #next = new Map<string, number>();

  constructor(private readonly maxStreams = 10_000) {}

  /** Records `seq` of `stream`; false when messages before it were lost (or it went backwards). */
  observe(stream: string, seq: number): boolean {
    const expected = this.#next.get(stream);
    if (expected !== undefined) this.#next.delete(stream);
    else if (this.#next.size >= this.maxStreams) this.#next.delete(this.#next.keys().next().value as string);
    this.#next.set(stream, seq + 1);
    return expected === undefined || seq === expected;
  }

  /** Forgets every stream (after a resubscribe). */
  reset(): void {
    this.#next.clear();
  }

  get streams(): number {
    return this.#next.size;
  }
}
