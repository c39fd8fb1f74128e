/**
 * The loop's timeouts, ordered by (deadline, insertion order), so equal deadlines fire in
 * the order they were added.
 *
 * Storage is a binary min-heap plus, like Node's own timers, one linked list per relative
 * delay: timeouts made with the same `callLater` delay get non-decreasing deadlines (the
 * clock never goes back), so each list is already sorted and only its head needs to sit
 * in the heap. 100,000 `callLater(0.001)` timeouts then make a heap of one entry, and
 * adding, firing and removing one costs O(1) instead of O(log n). `callAt` deadlines, and
 * a delay whose deadline would come before its list's last one (a virtual clock moved
 * back), go to the heap directly.
 *
 * Removing a handle that waits inside a list unlinks it at once. Removing one that sits
 * in the heap is lazy, as in asyncio: it is only marked, skipped when it reaches the top,
 * and the heap is rebuilt without such handles when they make up more than half of it,
 * so adding and removing timeouts forever does not grow memory.
 */

/**
 * The handle of a scheduled timeout, returned by `addTimeout`, `callAt` and `callLater`
 * and accepted by `removeTimeout`.
 */
export class TimeoutHandle {
  /** True once removed; a cancelled handle never runs. */
  cancelled = false;
  /** @internal Set when the handle left the queue (ran or was dropped). */
  _fired = false;
  /** @internal True while the handle is in the heap (alone, or as its list's head). */
  _inHeap = false;
  /** @internal The same-delay list the handle waits in, if any, and its neighbours there. */
  _list: DelayList | null = null;
  /** @internal */ _prev: TimeoutHandle | null = null;
  /** @internal */ _next: TimeoutHandle | null = null;

  /** @internal Made by the loop. */
  constructor(
    /** Absolute loop time, in seconds, at which the callback is due. */
    readonly deadline: number,
    /** @internal Dropped (see `TimerHeap.cancel`) once the handle is cancelled. */
    public _callback: (...args: any[]) => unknown,
    /** @internal */ public _args: unknown[] | undefined,
    /** @internal */ readonly _seq: number,
  ) {}
}

/** What a cancelled handle holds instead of its callback. */
function dropped(): void {}

/** Handles made with one relative delay, in deadline order; `head` is in the heap. */
interface DelayList {
  readonly delay: number;
  head: TimeoutHandle;
  tail: TimeoutHandle;
}

/** The timeout queue of one loop; `top()` is the next handle due. */
export class TimerHeap {
  private _heap: TimeoutHandle[] = [];
  private readonly _lists = new Map<number, DelayList>();
  /** Handles stored, cancelled ones still in the heap included. */
  private _count = 0;
  /** Cancelled handles still in the heap. */
  private _cancelled = 0;
  private _seq = 0;

  /** The sequence number the next handle will get; handles made earlier have smaller ones. */
  get nextSeq(): number {
    return this._seq;
  }

  /** Handles stored, some possibly cancelled (0 means nothing can be due). */
  get size(): number {
    return this._count;
  }

  /**
   * Makes and stores a handle. `delay`, when given, is the relative delay the deadline
   * came from; handles with the same delay share a list.
   */
  push(
    deadline: number,
    callback: (...args: any[]) => unknown,
    args: unknown[] | undefined,
    delay?: number,
  ): TimeoutHandle {
    const handle = new TimeoutHandle(deadline, callback, args, this._seq++);
    this._count++;
    if (delay !== undefined) {
      const list = this._lists.get(delay);
      if (list === undefined) {
        handle._list = { delay, head: handle, tail: handle };
        this._lists.set(delay, handle._list);
      } else if (list.tail.deadline <= deadline) {
        // Behind the list's head: it enters the heap when it becomes the head.
        handle._list = list;
        handle._prev = list.tail;
        list.tail._next = handle;
        list.tail = handle;
        return handle;
      }
    }
    handle._inHeap = true;
    heapPush(this._heap, handle);
    return handle;
  }

  /**
   * Marks `handle` cancelled; safe to call twice and after it ran. The handle lets go of
   * its callback and arguments at once: one that waits in the heap until it is dropped
   * must not keep what its callback refers to alive (an HTTP fetch, with its response,
   * for each request that finished before its timeout).
   */
  cancel(handle: TimeoutHandle): void {
    if (handle.cancelled) return;
    handle.cancelled = true;
    handle._callback = dropped;
    handle._args = undefined;
    if (handle._fired) return;
    if (!handle._inHeap) {
      this._unlink(handle);
      return;
    }
    this._cancelled++;
    if (this._cancelled > 64 && this._cancelled * 2 > this._heap.length) this._compact();
  }

  /** The earliest live handle, dropping cancelled ones on the way; undefined if none. */
  top(): TimeoutHandle | undefined {
    const heap = this._heap;
    while (heap.length > 0 && heap[0].cancelled) {
      this._cancelled--;
      this._leaveHeap(heapPop(heap));
    }
    return heap[0];
  }

  /**
   * Removes and returns the earliest live handle if it is due at or before `now` and was
   * made before `seqLimit`.
   */
  popDue(now: number, seqLimit = Infinity): TimeoutHandle | undefined {
    const first = this.top();
    if (first === undefined || first.deadline > now || first._seq >= seqLimit) return undefined;
    this._leaveHeap(heapPop(this._heap));
    return first;
  }

  /** Forgets every handle (the loop is closing). */
  clear(): void {
    for (const handle of this._all()) handle._fired = true;
    this._heap = [];
    this._lists.clear();
    this._count = 0;
    this._cancelled = 0;
  }

  /** Live handles in no particular order (for diagnostics). */
  pending(): TimeoutHandle[] {
    return this._all().filter((h) => !h.cancelled);
  }

  /** Bookkeeping for a handle just popped from the heap: its list's next one moves in. */
  private _leaveHeap(handle: TimeoutHandle): void {
    const next = this._forget(handle);
    if (next !== null) heapPush(this._heap, next);
  }

  /**
   * Marks a handle that left the heap as gone and moves its list on. Returns the list's
   * new head, which the caller must put in the heap, or null.
   */
  private _forget(handle: TimeoutHandle): TimeoutHandle | null {
    handle._inHeap = false;
    handle._fired = true;
    this._count--;
    const list = handle._list;
    if (list === null) return null;
    const next = handle._next;
    handle._list = null;
    handle._next = null;
    if (next === null) {
      if (this._lists.get(list.delay) === list) this._lists.delete(list.delay);
      return null;
    }
    next._prev = null;
    next._inHeap = true;
    list.head = next;
    return next;
  }

  /** Takes a cancelled handle out of the middle or end of its list (never the head). */
  private _unlink(handle: TimeoutHandle): void {
    const list = handle._list as DelayList;
    const prev = handle._prev as TimeoutHandle;
    const next = handle._next;
    prev._next = next;
    if (next !== null) next._prev = prev;
    else list.tail = prev;
    handle._list = null;
    handle._prev = null;
    handle._next = null;
    handle._fired = true;
    this._count--;
  }

  /** Every stored handle: the heap, plus list members waiting behind their heads. */
  private _all(): TimeoutHandle[] {
    const all = [...this._heap];
    for (const list of this._lists.values()) {
      for (let h = list.head._next; h !== null; h = h._next) all.push(h);
    }
    return all;
  }

  /** Rebuilds the heap without its cancelled handles. */
  private _compact(): void {
    const kept: TimeoutHandle[] = [];
    for (const handle of this._heap) {
      if (!handle.cancelled) {
        kept.push(handle);
        continue;
      }
      const next = this._forget(handle);
      if (next !== null) kept.push(next);
    }
    this._heap = kept;
    this._cancelled = 0;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) siftDown(kept, i);
  }
}

function before(a: TimeoutHandle, b: TimeoutHandle): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a._seq < b._seq);
}

function heapPush(heap: TimeoutHandle[], handle: TimeoutHandle): void {
  heap.push(handle);
  let index = heap.length - 1;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (!before(handle, heap[parent])) break;
    heap[index] = heap[parent];
    index = parent;
  }
  heap[index] = handle;
}

function heapPop(heap: TimeoutHandle[]): TimeoutHandle {
  const first = heap[0];
  const last = heap.pop() as TimeoutHandle;
  if (heap.length > 0) {
    heap[0] = last;
    siftDown(heap, 0);
  }
  return first;
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
