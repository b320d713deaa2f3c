/**
 * The claim keys an import has seen, as 64-bit fingerprints in typed arrays: about 12 bytes a key, so
 * the three million keys of a million-customer file take ~36 MB instead of the ~500 MB their strings
 * would. A fingerprint seen before only marks a suspect: the store confirms suspects against the exact
 * keys it appends to a temporary table, so a fingerprint collision (around one in ten million for such
 * a file) costs a scan of that table, never a wrong answer. An index on the table would answer
 * directly, but filling a B-tree of millions of random keys costs more than the import's own writes.
 */
const INITIAL_SLOTS = 1 << 16;
const MAX_LOAD = 0.7;

export class ClaimFilter {
  private high = new Uint32Array(INITIAL_SLOTS);
  private low = new Uint32Array(INITIAL_SLOTS);
  private count = 0;

  /** Adds the keys; returns those whose fingerprint was there already: possibly claimed before. */
  addAll(keys: string[]): string[] {
    const suspects: string[] = [];
    for (const key of keys) {
      if ((this.count + 1) / this.high.length > MAX_LOAD) this.grow();
      const [high, low] = fingerprint(key);
      if (!this.insert(high, low)) suspects.push(key);
    }
    return suspects;
  }

  /** False when the fingerprint was present. Slots with both halves zero are empty. */
  private insert(high: number, low: number): boolean {
    const mask = this.high.length - 1;
    for (let slot = high & mask; ; slot = (slot + 1) & mask) {
      if (this.high[slot] === 0 && this.low[slot] === 0) {
        this.high[slot] = high;
        this.low[slot] = low;
        this.count++;
        return true;
      }
      if (this.high[slot] === high && this.low[slot] === low) return false;
    }
  }

  private grow(): void {
    const [high, low] = [this.high, this.low];
    this.high = new Uint32Array(high.length * 2);
    this.low = new Uint32Array(low.length * 2);
    this.count = 0;
    for (let slot = 0; slot < high.length; slot++) if (high[slot] !== 0 || low[slot] !== 0) this.insert(high[slot]!, low[slot]!);
  }
}

/** Two 32-bit halves of a 64-bit string hash (cyrb53's mixing, both lanes kept); never both zero. */
function fingerprint(key: string): [number, number] {
  let h1 = 0xdeadbeef ^ key.length;
  let h2 = 0x41c6ce57 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const [high, low] = [h1 >>> 0, h2 >>> 0];
  return high === 0 && low === 0 ? [0, 1] : [high, low];
}
