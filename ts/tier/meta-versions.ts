/**
 * What this instance knows of the namespace's clear() and deleteByTag()
 * versions. An entry is invalid when its basis is older than the last clear
 * or than the last invalidation of one of its tags. Versions only grow here
 * (max), so a late reply or message can never resurrect an entry.
 */
import type { Entry } from './entry.js';

/** The verdict on an entry's tags and clear version. */
export const Validity = { valid: 0, invalid: 1, unknown: 2 } as const;

const MAX_TAGS = 100_000;

export class MetaVersions {
  /** Highest clear() version known. */
  clear = 0;
  readonly #tags = new Map<string, number>();

  /** A clear() at `version`. */
  noteClear(version: number): void {
    if (version > this.clear) this.clear = version;
  }

  /** A deleteByTag(tag) at `version`; Infinity = changed, version not known yet (refetch). Returns false when the map overflowed and was reset. */
  noteTag(tag: string, version: number): boolean {
    const current = this.#tags.get(tag);
    if (current === undefined) {
      if (this.#tags.size >= MAX_TAGS) {
        this.#tags.clear();
        this.#tags.set(tag, version);
        return false;
      }
      this.#tags.set(tag, version);
    } else if (version > current || current === Number.POSITIVE_INFINITY) {
      this.#tags.set(tag, version);
    }
    return true;
  }

  /** A tag changed at a version to be fetched (server-assisted invalidation carries none). */
  tagChanged(tag: string): void {
    this.#tags.set(tag, Number.POSITIVE_INFINITY);
  }

  /** The known version of `tag`'s last invalidation (0 = never), or undefined when unknown. */
  tagVersion(tag: string): number | undefined {
    const v = this.#tags.get(tag);
    return v === Number.POSITIVE_INFINITY ? undefined : v;
  }

  /** The verdict on `entry`. */
  check(entry: Entry): number {
    if (entry.basis < this.clear) return Validity.invalid;
    const tags = entry.tags;
    if (tags === null) return Validity.valid;
    let verdict: number = Validity.valid;
    for (let i = 0; i < tags.length; i++) {
      const v = this.#tags.get(tags[i]);
      if (v === undefined || v === Number.POSITIVE_INFINITY) verdict = Validity.unknown;
      else if (entry.basis < v) return Validity.invalid;
    }
    return verdict;
  }

  /** Forgets the tag versions (after a flush: the bus may have missed some). */
  resetTags(): void {
    this.#tags.clear();
  }
}
