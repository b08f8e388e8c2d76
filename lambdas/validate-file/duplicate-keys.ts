/**
 * First-occurrence index of key values for in-file duplicate detection, sized for millions of rows in
 * little memory: each key is kept only as a 64-bit hash (two 32-bit halves) next to its first row
 * number, in typed arrays outside the JS heap (12 bytes a slot; 2 M keys take 48 MB). Two different keys
 * share a hash with odds of about n²/2⁶⁵ (1 in 10 million for 2 M keys); the cost of such a collision is
 * one row wrongly reported as a duplicate, which the admin sees in the exceptions report.
 */

const MAX_LOAD = 0.7;

export class KeyIndex {
  private hashHigh: Uint32Array;
  private hashLow: Uint32Array;
  /** First row number per slot; 0 marks an empty slot (row numbers start at 2). */
  private rows: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.hashHigh = new Uint32Array(capacity);
    this.hashLow = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Distinct keys recorded. */
  get size(): number {
    return this.count;
  }

  /**
   * The first row that had `key`; when the key is new, records `rowNumber` as its first row and
   * returns undefined.
   */
  firstRowOf(key: string, rowNumber: number): number | undefined {
    // Two independent 32-bit hashes (FNV-1a and a multiply-rotate mix), each finalised with murmur3's
    // avalanche step, make the 64-bit fingerprint.
    let low = 0x811c9dc5;
    let high = 0x9747b28c ^ key.length;
    for (let i = 0; i < key.length; i += 1) {
      const code = key.charCodeAt(i);
      low = Math.imul(low ^ code, 0x01000193);
      high = Math.imul(high ^ code, 0x5bd1e995);
      high = (high << 13) | (high >>> 19);
    }
    low = avalanche(low);
    high = avalanche(high);

    if ((this.count + 1) / this.rows.length > MAX_LOAD) this.grow();
    let slot = low & this.mask;
    for (;;) {
      const found = this.rows[slot] ?? 0;
      if (found === 0) {
        this.hashLow[slot] = low;
        this.hashHigh[slot] = high;
        this.rows[slot] = rowNumber;
        this.count += 1;
        return undefined;
      }
      if (this.hashLow[slot] === low && this.hashHigh[slot] === high) return found;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hashHigh, hashLow, rows } = this;
    const capacity = rows.length * 2;
    this.hashHigh = new Uint32Array(capacity);
    this.hashLow = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let old = 0; old < rows.length; old += 1) {
      const row = rows[old] ?? 0;
      if (row === 0) continue;
      const low = hashLow[old] ?? 0;
      let slot = low & this.mask;
      while ((this.rows[slot] ?? 0) !== 0) slot = (slot + 1) & this.mask;
      this.hashLow[slot] = low;
      this.hashHigh[slot] = hashHigh[old] ?? 0;
      this.rows[slot] = row;
    }
  }
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
const avalanche = (value: number): number => {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
};
