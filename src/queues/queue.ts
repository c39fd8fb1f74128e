/**
 * `Queue`: coordinates producer and consumer tasks (mirrors `tornado.queues.Queue`, which
 * follows `asyncio.Queue`).
 *
 * Differences from Tornado: `maxsize` null or undefined means the default 0 (Tornado
 * raises `TypeError` for `None`); a zero timeout is a deadline (Tornado treats a falsy
 * timeout as none); a getter or putter whose timeout passes leaves the line at once
 * (Tornado drops it when it reaches the head of the line).
 */
import { Future } from "../concurrent";
import { Event } from "../locks";
import { Waiter, WaiterList, failWithTimeout, type Deadline } from "../locks/_waiters";
import { Deque } from "./_deque";
import { QueueEmpty, QueueFull } from "./errors";

function iteratorResult<T>(value: T): IteratorResult<T> {
  return { value, done: false };
}

/**
 * A FIFO queue for tasks on one `IOLoop`. With `maxsize` 0 (the default) it is unbounded;
 * otherwise `put()` waits while it holds `maxsize` items.
 *
 * Getters and putters are served first come, first served, and an item goes straight to
 * a waiting getter. Every `put` counts as an unfinished task until a consumer calls
 * `taskDone()`; `join()` waits until none is left. `for await (const item of queue)` gets
 * items for ever, as Tornado's `async for` does.
 *
 * Subclasses change the storage only, by overriding `_init`, `_put`, `_get` and `_qsize`
 * (as {@link PriorityQueue} and {@link LifoQueue} do). `_init` runs inside the `Queue`
 * constructor, before a subclass's field initializers: declare storage fields with
 * `declare` (not `!` or an initializer), or they are reset after `_init`.
 *
 * @typeParam T - the type of the items.
 * @example
 * const q = new Queue<number>(2);
 * async function consumer() {
 *   for await (const item of q) {
 *     try {
 *       console.log(`Doing work on ${item}`);
 *       await sleep(0.01);
 *     } finally {
 *       q.taskDone();
 *     }
 *   }
 * }
 * async function producer() {
 *   for (let item = 0; item < 5; item++) {
 *     await q.put(item);
 *     console.log(`Put ${item}`);
 *   }
 * }
 * await IOLoop.current().runSync(async () => {
 *   IOLoop.current().spawnCallback(consumer); // runs for ever
 *   await producer(); // waits while the queue is full
 *   await q.join(); // waits until the consumer called taskDone() for every item
 *   console.log("Done");
 * });
 */
export class Queue<T> implements AsyncIterable<T> {
  private readonly _maxsize: number;
  private readonly _getters = new WaiterList<T>(failWithTimeout("Timeout in Queue.get"));
  private readonly _putters = new WaiterList<void, T>(failWithTimeout("Timeout in Queue.put"));
  private _unfinishedTasks = 0;
  private readonly _finished = new Event();
  declare private _items: Deque<T>;

  /**
   * @param maxsize how many items the queue holds before `put()` waits; 0 (the default,
   *   also for null or undefined) is unbounded. A fraction is compared as it is (1.3
   *   holds two items), as in Tornado.
   * @throws `RangeError` ("maxsize can't be negative"); `TypeError` if it is not a number.
   */
  constructor(maxsize: number | null = 0) {
    const size = maxsize ?? 0;
    if (typeof size !== "number" || Number.isNaN(size)) {
      throw new TypeError(`Queue maxsize must be a number; got ${String(size)}`);
    }
    if (size < 0) throw new RangeError("maxsize can't be negative");
    this._maxsize = size;
    this._finished.set();
    this._init();
  }

  /** How many items the queue may hold (0: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** How many items the queue holds now. */
  qsize(): number {
    return this._qsize();
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /** True if the queue holds `maxsize` items or more (never, when unbounded). */
  full(): boolean {
    return this._maxsize !== 0 && this._qsize() >= this._maxsize;
  }

  /**
   * Puts `item` in the queue, waiting while it is full. The Future is already done when
   * there was room (or a getter waiting).
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. When it passes
   *   the Future rejects with `TimeoutError` and the item is not added.
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * await q.put(job, { seconds: 1 });
   */
  put(item: T, timeout?: Deadline | null): Future<void> {
    if (this._offer(item)) {
      const done = new Future<void>();
      done.setResult(undefined);
      return done;
    }
    const putter = new Waiter<void, T>(item);
    this._putters.push(putter, timeout);
    return putter;
  }

  /**
   * Puts `item` in the queue without waiting. If a getter waits, it receives the item:
   * its Future resolves now, and the task awaiting it resumes on the microtask queue
   * (after the caller's synchronous code), never inside this call.
   *
   * @throws `QueueFull` if the queue is full.
   * @example
   * q.putNowait(job);
   */
  putNowait(item: T): void {
    if (!this._offer(item)) throw new QueueFull(this._maxsize);
  }

  /**
   * Removes and returns an item, waiting while the queue is empty. The Future is already
   * done when an item was there.
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. When it passes
   *   the Future rejects with `TimeoutError`.
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * const job = await q.get();
   */
  get(timeout?: Deadline | null): Future<T> {
    if (this._putters.length > 0 || this._qsize() > 0) {
      const done = new Future<T>();
      done.setResult(this.getNowait());
      return done;
    }
    const getter = new Waiter<T>(undefined);
    this._getters.push(getter, timeout);
    return getter;
  }

  /**
   * Removes and returns an item without waiting. When the queue is full and a putter
   * waits, that putter's item enters the queue (its Future resolves) before the item
   * returned here is taken out.
   *
   * @throws `QueueEmpty` if the queue is empty.
   * @example
   * while (!q.empty()) handle(q.getNowait());
   */
  getNowait(): T {
    const putter = this._putters.shift();
    if (putter !== null) {
      try {
        this._putInternal(putter.data);
        putter.setResult(undefined);
      } catch (error) {
        // The storage refused the item (a PriorityQueue could not order it).
        putter.setException(error);
      }
      return this._get();
    }
    if (this._qsize() > 0) return this._get();
    throw new QueueEmpty();
  }

  /**
   * Tells the queue that a task taken with `get` is finished. When every item put has
   * been matched by a `taskDone()`, `join()` resolves.
   *
   * @throws `RangeError` ("task_done() called too many times") when called more often
   *   than items were put.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new RangeError("task_done() called too many times");
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._finished.set();
  }

  /**
   * Waits until every item put has been processed (`taskDone()` called for it).
   *
   * @param timeout deadline, as in {@link Queue.get}; when it passes the Future rejects
   *   with `TimeoutError`.
   * @example
   * await q.join({ seconds: 30 });
   */
  join(timeout?: Deadline | null): Future<void> {
    return this._finished.wait(timeout);
  }

  /**
   * Endless async iteration: each step is a `get()`. Leave the loop with `break` or
   * `return`; nothing is lost, as the next `get()` happens only when the loop asks.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.get().then(iteratorResult) };
  }

  /** `<Queue maxsize=0 qsize=2 getters[1] putters[1] tasks=2>`, parts shown when non-zero. */
  toString(): string {
    let text = `<${this.constructor.name} maxsize=${this._maxsize}`;
    const size = this._qsize();
    if (size > 0) text += ` qsize=${size}`;
    if (this._getters.length > 0) text += ` getters[${this._getters.length}]`;
    if (this._putters.length > 0) text += ` putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) text += ` tasks=${this._unfinishedTasks}`;
    return `${text}>`;
  }

  /** Storage hook: creates the storage. Called once, by the `Queue` constructor. */
  protected _init(): void {
    this._items = new Deque<T>();
  }

  /** Storage hook: stores `item`. */
  protected _put(item: T): void {
    this._items.push(item);
  }

  /** Storage hook: removes and returns the next item; called only when `_qsize() > 0`. */
  protected _get(): T {
    return this._items.shift();
  }

  /** Storage hook: how many items are stored. */
  protected _qsize(): number {
    return this._items.length;
  }

  /** Hands `item` to a waiting getter or stores it; false if the queue is full. */
  private _offer(item: T): boolean {
    if (this._getters.length > 0) {
      // Store first: if the storage throws, the getter keeps waiting.
      this._putInternal(item);
      (this._getters.shift() as Waiter<T>).setResult(this._get());
      return true;
    }
    if (this.full()) return false;
    this._putInternal(item);
    return true;
  }

  private _putInternal(item: T): void {
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
  }
}
