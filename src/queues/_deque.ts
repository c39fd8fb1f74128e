/**
 * A growable ring buffer: O(1) push at the back and shift from the front, the storage of
 * `Queue` (Python's `collections.deque`). `Array.prototype.shift` is O(n) on large arrays.
 */
const INITIAL_CAPACITY = 16;

/** FIFO of items in a power-of-two ring. */
export class Deque<T> {
  private _items: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY);
  private _mask = INITIAL_CAPACITY - 1;
  private _head = 0;
  private _length = 0;

  /** Number of items. */
  get length(): number {
    return this._length;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this._length > this._mask) this._grow();
    this._items[(this._head + this._length) & this._mask] = item;
    this._length++;
  }

  /** Removes and returns the front item; the caller checks `length` first. */
  shift(): T {
    const head = this._head;
    const item = this._items[head] as T;
    this._items[head] = undefined;
    this._head = (head + 1) & this._mask;
    this._length--;
    return item;
  }

  /** The items front to back (for `toString`). */
  toArray(): T[] {
    const out = new Array<T>(this._length);
    for (let i = 0; i < this._length; i++) {
      out[i] = this._items[(this._head + i) & this._mask] as T;
    }
    return out;
  }

  private _grow(): void {
    const items = this.toArray() as (T | undefined)[];
    const capacity = (this._mask + 1) * 2;
    items.length = capacity;
    this._items = items;
    this._mask = capacity - 1;
    this._head = 0;
  }
}
