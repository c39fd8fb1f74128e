/**
 * `Semaphore` and `BoundedSemaphore`: a counter that limits how many tasks hold a
 * resource at once (mirrors `tornado.locks.Semaphore` and `BoundedSemaphore`).
 */
import type { Future } from "../concurrent";
import { Waiter, WaiterList, failWithTimeout, type Deadline } from "./_waiters";
import { Releaser, grantedNow, runHolding, type WithOptions } from "./releaser";

/**
 * A lock that can be acquired `value` times before `acquire()` waits. It counts the
 * `release()` calls minus the `acquire()` calls, plus the initial value; `acquire()`
 * waits while that would go below zero.
 *
 * Waiting tasks get the semaphore in the order they asked for it: `release()` hands it
 * straight to the longest waiter, so a newcomer cannot overtake. A waiter whose timeout
 * passed, or whose Future was cancelled, leaves the line at once.
 *
 * @example
 * const sem = new Semaphore(2);
 * async function worker(id: number) {
 *   await sem.with(async () => {
 *     console.log(`Worker ${id} is working`);
 *     await useSomeResource();
 *   });
 *   console.log(`Worker ${id} is done`);
 * }
 * await Promise.all([worker(0), worker(1), worker(2)]); // worker 2 waits for 0 or 1
 */
export class Semaphore {
  /** @internal The counter; never negative. */
  protected _value: number;
  private readonly _waiters = new WaiterList<Releaser>(
    failWithTimeout("Timeout in Semaphore.acquire"),
  );

  /**
   * @param value how many acquisitions succeed before `acquire()` waits (default 1).
   * @throws `RangeError` ("semaphore initial value must be >= 0") for a negative value;
   *   `TypeError` for something that is not a number.
   */
  constructor(value = 1) {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`Semaphore needs a numeric initial value; got ${String(value)}`);
    }
    if (value < 0) throw new RangeError("semaphore initial value must be >= 0");
    this._value = value;
  }

  /**
   * Decrements the counter, waiting first while it is zero. The Future resolves to a
   * {@link Releaser}, whose `release()` (or disposal by `using`) gives the acquisition
   * back; it is already done when the counter was above zero.
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. When it passes
   *   the Future rejects with `TimeoutError` and the counter is untouched.
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * const releaser = await sem.acquire({ seconds: 1 });
   * try { await work(); } finally { releaser.release(); }
   */
  acquire(timeout?: Deadline | null): Future<Releaser> {
    if (this._value > 0) {
      this._value--;
      return grantedNow(this);
    }
    const waiter = new Waiter<Releaser>(undefined);
    this._waiters.push(waiter, timeout);
    return waiter;
  }

  /**
   * Increments the counter and wakes the longest-waiting task, which takes the count at
   * once. A plain `Semaphore` can be released more often than it was acquired; the
   * counter then grows past its initial value (see {@link BoundedSemaphore}).
   */
  release(): void {
    const waiter = this._waiters.shift();
    if (waiter === null) this._value++;
    else waiter.setResult(new Releaser(this));
  }

  /**
   * Runs `fn` while holding the semaphore, and releases it however `fn` ends (Python's
   * `async with sem:`). Resolves with what `fn` returns; rejects with what it throws.
   *
   * @param options.timeout deadline for acquiring, as in {@link Semaphore.acquire}; on
   *   expiry `fn` does not run and the promise rejects with `TimeoutError`.
   * @example
   * const page = await sem.with(() => fetchPage(url));
   */
  with<R>(fn: () => R | PromiseLike<R>, options: WithOptions = {}): Promise<Awaited<R>> {
    return runHolding(this.acquire(options.timeout), fn);
  }

  /** `<Semaphore [unlocked,value:1]>`, `<Semaphore [locked,waiters:2]>`. */
  toString(): string {
    let state = this._value === 0 ? "locked" : `unlocked,value:${this._value}`;
    const count = this._waiters.length;
    if (count > 0) state += `,waiters:${count}`;
    return `<${this.constructor.name} [${state}]>`;
  }
}

/**
 * A {@link Semaphore} that refuses to be released more often than it was acquired: a
 * semaphore guards a resource of fixed capacity, so an extra release is a bug.
 *
 * @example
 * const sem = new BoundedSemaphore(1);
 * sem.release(); // RangeError: Semaphore released too many times
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _initialValue: number;

  /** @param value the capacity (default 1); see {@link Semaphore}. */
  constructor(value = 1) {
    super(value);
    this._initialValue = value;
  }

  /**
   * As {@link Semaphore.release}.
   *
   * @throws `RangeError` ("Semaphore released too many times") if the counter would go
   *   past the initial value.
   */
  override release(): void {
    if (this._value >= this._initialValue) {
      throw new RangeError("Semaphore released too many times");
    }
    super.release();
  }
}
