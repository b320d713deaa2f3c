/**
 * A bounded map whose entries expire, cleared whenever the data changes: what the hot path keeps
 * between requests. Oldest entries are dropped first when full (Map keeps insertion order).
 *
 * Values enter only through `load`, which remembers the cache's generation before computing and
 * stores the result only if no data change happened meanwhile: a value read before a change is
 * never cached after it, however long the read took (on PostgreSQL the read and the change
 * notification travel on different connections, so their order is not otherwise known).
 */
import type { Clock } from '../clock.js';

/** What a cache is cleared by: the store's change notifications. */
export interface ChangeSource {
  onDataChanged(listener: () => void): void;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  /** Incremented by every data change; a load that started in an older generation is not stored. */
  private generation = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
    changes?: ChangeSource,
    /** Told of every lookup, hit or miss (metrics). */
    private readonly onLookup?: (hit: boolean) => void,
  ) {
    changes?.onDataChanged(() => this.invalidate());
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.peek(key);
    this.onLookup?.(value !== undefined);
    return value;
  }

  /** A live entry's value, without telling the lookup observer (a look that may be given up: repeat-call-lane.ts). */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.clock.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * Computes a value and caches it until `expiresAt` (epoch ms), unless the data changed while it was
   * being computed or it has already expired. Failures are not cached.
   */
  async load(key: string, compute: () => Promise<{ value: V; expiresAt: number }>): Promise<V> {
    const generation = this.generation;
    const { value, expiresAt } = await compute();
    if (generation === this.generation) this.set(key, value, expiresAt);
    return value;
  }

  /** Forgets everything: the data the entries came from may have changed. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private set(key: string, value: V, expiresAt: number): void {
    // An entry that is already expired would only push out a live one.
    if (this.maxEntries === 0 || expiresAt <= this.clock.now()) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt });
  }
}
