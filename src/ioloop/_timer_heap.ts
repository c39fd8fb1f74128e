/**
 * The loop's timeouts: handles in a binary min-heap ordered by (deadline, insertion
 * order), so equal deadlines fire in the order they were added.
 *
 * Removal is lazy, as in asyncio: `removeTimeout` only marks the handle; cancelled handles
 * are skipped when they reach the top, and the heap is rebuilt without them when they
 * make up more than half of it, so a program that keeps adding and removing timeouts does
 * not grow without bound.
 */

/**
 * The handle of a scheduled timeout, returned by `addTimeout`, `callAt` and `callLater`
 * and accepted by `removeTimeout`.
 */
export class TimeoutHandle {
  /** True once removed; a cancelled handle never runs. */
  cancelled = false;
  /** @internal Set when the handle left the heap (ran or was dropped). */
  _fired = false;

  /** @internal Made by the loop. */
  constructor(
    /** Absolute loop time, in seconds, at which the callback is due. */
    readonly deadline: number,
    /** @internal */ readonly _callback: (...args: any[]) => unknown,
    /** @internal */ readonly _args: unknown[] | undefined,
    /** @internal */ readonly _seq: number,
  ) {}
}

/** Min-heap of handles; `top()` is the next one due. */
export class TimerHeap {
  private _heap: TimeoutHandle[] = [];
  private _cancelled = 0;
  private _seq = 0;

  /** Handles in the heap, cancelled ones included. */
  get size(): number {
    return this._heap.length;
  }

  /** Handles in the heap that can still run. */
  get live(): number {
    return this._heap.length - this._cancelled;
  }

  /** Makes and inserts a handle. */
  push(deadline: number, callback: (...args: any[]) => unknown, args?: unknown[]): TimeoutHandle {
    const handle = new TimeoutHandle(deadline, callback, args, this._seq++);
    const heap = this._heap;
    heap.push(handle);
    siftUp(heap, heap.length - 1);
    return handle;
  }

  /** Marks `handle` cancelled; safe to call twice and after it ran. */
  cancel(handle: TimeoutHandle): void {
    if (handle.cancelled) return;
    handle.cancelled = true;
    if (handle._fired) return;
    this._cancelled++;
    if (this._cancelled > 64 && this._cancelled * 2 > this._heap.length) this._compact();
  }

  /** The earliest live handle, dropping cancelled ones on the way; undefined if none. */
  top(): TimeoutHandle | undefined {
    const heap = this._heap;
    while (heap.length > 0 && heap[0].cancelled) {
      this._pop()._fired = true;
      this._cancelled--;
    }
    return heap[0];
  }

  /** Removes and returns the earliest live handle if it is due at or before `now`. */
  popDue(now: number): TimeoutHandle | undefined {
    const first = this.top();
    if (first === undefined || first.deadline > now) return undefined;
    const handle = this._pop();
    handle._fired = true;
    return handle;
  }

  /** Forgets every handle (the loop is closing). */
  clear(): TimeoutHandle[] {
    const all = this._heap.filter((h) => !h.cancelled);
    for (const h of this._heap) h._fired = true;
    this._heap = [];
    this._cancelled = 0;
    return all;
  }

  /** Live handles in no particular order (for diagnostics). */
  pending(): TimeoutHandle[] {
    return this._heap.filter((h) => !h.cancelled);
  }

  private _pop(): TimeoutHandle {
    const heap = this._heap;
    const first = heap[0];
    const last = heap.pop() as TimeoutHandle;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(heap, 0);
    }
    return first;
  }

  private _compact(): void {
    const live: TimeoutHandle[] = [];
    for (const h of this._heap) {
      if (h.cancelled) h._fired = true;
      else live.push(h);
    }
    this._heap = live;
    this._cancelled = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) siftDown(live, i);
  }
}

function before(a: TimeoutHandle, b: TimeoutHandle): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a._seq < b._seq);
}

function siftUp(heap: TimeoutHandle[], index: number): void {
  const item = heap[index];
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (!before(item, heap[parent])) break;
    heap[index] = heap[parent];
    index = parent;
  }
  heap[index] = item;
}

function siftDown(heap: TimeoutHandle[], index: number): void {
  const length = heap.length;
  const item = heap[index];
  for (;;) {
    let child = 2 * index + 1;
    if (child >= length) break;
    if (child + 1 < length && before(heap[child + 1], heap[child])) child++;
    if (!before(heap[child], item)) break;
    heap[index] = heap[child];
    index = child;
  }
  heap[index] = item;
}
