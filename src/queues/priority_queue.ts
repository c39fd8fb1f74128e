/**
 * `PriorityQueue`: a `Queue` that hands out the smallest item first (mirrors
 * `tornado.queues.PriorityQueue`).
 *
 * Tornado stores items in a `heapq`, which is not stable: equal items come out in no
 * particular order, so Python code adds a counter to its tuples. This heap breaks ties by
 * insertion order, so equal priorities come out first in, first out without one.
 */
import { pythonCompare } from "./_python_order";
import { Queue } from "./queue";

/** Options of the {@link PriorityQueue} constructor. */
export interface PriorityQueueOptions<T> {
  /**
   * Orders two items: negative if `a` comes out first, positive if `b` does, 0 if they
   * tie (ties come out in insertion order). By default items compare as Python values:
   * numbers, strings, and arrays element by element, like tuples.
   */
  compare?: (a: T, b: T) => number;
}

/**
 * A {@link Queue} that retrieves items in priority order, lowest first. Items are
 * typically `[priority, data]` arrays, which compare element by element as Python
 * tuples do; a `compare` function can define another order.
 *
 * @typeParam T - the type of the items.
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([1, "medium-priority item"]);
 * q.putNowait([0, "high-priority item"]);
 * q.putNowait([10, "low-priority item"]);
 * q.getNowait(); // [0, "high-priority item"]
 * q.getNowait(); // [1, "medium-priority item"]
 * q.getNowait(); // [10, "low-priority item"]
 * @example
 * const jobs = new PriorityQueue<Job>(0, { compare: (a, b) => a.deadline - b.deadline });
 */
export class PriorityQueue<T> extends Queue<T> {
  /** Binary min-heap in two parallel arrays: the items and their insertion numbers. */
  declare private _heap: T[];
  declare private _seqs: number[];
  declare private _nextSeq: number;
  private readonly _compare: (a: T, b: T) => number;

  /**
   * @param maxsize as for {@link Queue}: 0 (the default) is unbounded.
   * @throws as the {@link Queue} constructor.
   */
  constructor(maxsize: number | null = 0, options: PriorityQueueOptions<T> = {}) {
    super(maxsize);
    this._compare = options.compare ?? pythonCompare;
  }

  protected override _init(): void {
    this._heap = [];
    this._seqs = [];
    this._nextSeq = 0;
  }

  protected override _qsize(): number {
    return this._heap.length;
  }

  /** @throws what `compare` throws (by default `TypeError` for items of unlike kinds). */
  protected override _put(item: T): void {
    const heap = this._heap;
    const seqs = this._seqs;
    const seq = this._nextSeq++;
    // Find the item's place first, so that a throwing compare leaves the heap untouched.
    let target = heap.length;
    while (target > 0) {
      const parent = (target - 1) >> 1;
      if (!this._before(item, seq, heap[parent], seqs[parent])) break;
      target = parent;
    }
    let index = heap.length;
    heap.push(item);
    seqs.push(seq);
    while (index > target) {
      const parent = (index - 1) >> 1;
      heap[index] = heap[parent];
      seqs[index] = seqs[parent];
      index = parent;
    }
    heap[index] = item;
    seqs[index] = seq;
  }

  protected override _get(): T {
    const heap = this._heap;
    const seqs = this._seqs;
    const top = heap[0];
    const lastItem = heap.pop() as T;
    const lastSeq = seqs.pop() as number;
    const length = heap.length;
    if (length === 0) return top;
    let index = 0;
    try {
      for (;;) {
        let child = 2 * index + 1;
        if (child >= length) break;
        const right = child + 1;
        if (right < length && this._before(heap[right], seqs[right], heap[child], seqs[child])) {
          child = right;
        }
        if (!this._before(heap[child], seqs[child], lastItem, lastSeq)) break;
        heap[index] = heap[child];
        seqs[index] = seqs[child];
        index = child;
      }
    } finally {
      // Also when compare throws: every item stays in the heap.
      heap[index] = lastItem;
      seqs[index] = lastSeq;
    }
    return top;
  }

  private _before(a: T, seqA: number, b: T, seqB: number): boolean {
    const order = this._compare(a, b);
    return order < 0 || (order === 0 && seqA < seqB);
  }
}
