/**
 * A set for entries that come and go by the thousand (the runs in progress, the runs racing a
 * signal): an array of slots with a free list. `add` returns the slot to `remove` later.
 *
 * Why not a Set: under that churn a Set keeps rebuilding its hash table, and in a map() of
 * 100,000 task runs the entries it held were kept alive long enough to be promoted to the old
 * generation: about 40 MB of old-space garbage per Set, and a higher peak RSS (measured with
 * `--trace-gc-nvp` and V8's sampling heap profiler). The array only grows to the most entries
 * ever held at once.
 */
export class SlotList<T> {
  #slots: (T | undefined)[] = [];
  #free: number[] = [];

  add(entry: T): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = entry;
    return slot;
  }

  remove(slot: number): void {
    if (this.#slots[slot] === undefined) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
  }

  /** Empty the list and return what it held. */
  drain(): T[] {
    const entries = this.entries();
    this.#slots = [];
    this.#free = [];
    return entries;
  }

  /** The entries held now (a copy: removing while iterating it is safe). */
  entries(): T[] {
    const out: T[] = [];
    for (const entry of this.#slots) if (entry !== undefined) out.push(entry);
    return out;
  }
}
