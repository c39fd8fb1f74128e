/**
 * `Lock`: mutual exclusion between tasks (mirrors `tornado.locks.Lock`).
 *
 * Tornado builds its `Lock` on a `BoundedSemaphore(1)`; this one keeps a boolean and its
 * own line of waiters, which behaves the same (FIFO hand-over, timeouts, "release unlocked
 * lock") and spares a call per acquire.
 */
import type { Future } from "../concurrent";
import { RuntimeError } from "../util";
import { Waiter, WaiterList, failWithTimeout, type Deadline } from "./_waiters";
import { Releaser, grantedNow, runHolding, type WithOptions } from "./releaser";

/**
 * A lock for tasks on the loop. It starts unlocked; `acquire()` locks it at once if it is
 * free, else waits until the holder releases it. Waiting tasks get the lock in the order
 * they asked for it.
 *
 * @example
 * const lock = new Lock();
 * await lock.with(async () => {
 *   // only one task at a time runs here
 * });
 * @example
 * {
 *   await using _held = await lock.acquire();
 *   // holding the lock until the end of the block
 * }
 */
export class Lock {
  private _locked = false;
  private readonly _waiters = new WaiterList<Releaser>(failWithTimeout("Timeout in Lock.acquire"));

  /**
   * Locks the lock, waiting first while another task holds it. The Future resolves to a
   * {@link Releaser} that unlocks it (once) through `release()` or `using`; it is already
   * done when the lock was free.
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. When it passes
   *   the Future rejects with `TimeoutError` and the lock is untouched.
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * const held = await lock.acquire({ seconds: 2 });
   * try { await update(); } finally { held.release(); }
   */
  acquire(timeout?: Deadline | null): Future<Releaser> {
    if (!this._locked) {
      this._locked = true;
      return grantedNow(this);
    }
    const waiter = new Waiter<Releaser>(undefined);
    this._waiters.push(waiter, timeout);
    return waiter;
  }

  /**
   * Unlocks. The task that has waited longest gets the lock at once.
   *
   * @throws `RuntimeError` ("release unlocked lock") if the lock is not locked.
   */
  release(): void {
    if (!this._locked) throw new RuntimeError("release unlocked lock");
    const waiter = this._waiters.shift();
    if (waiter === null) this._locked = false;
    else waiter.setResult(new Releaser(this));
  }

  /**
   * Runs `fn` while holding the lock and unlocks however `fn` ends (Python's
   * `async with lock:`). Resolves with what `fn` returns; rejects with what it throws.
   *
   * @param options.timeout deadline for acquiring, as in {@link Lock.acquire}; on expiry
   *   `fn` does not run and the promise rejects with `TimeoutError`.
   * @example
   * const balance = await lock.with(async () => {
   *   const b = await read();
   *   await write(b + 1);
   *   return b + 1;
   * });
   */
  with<R>(fn: () => R | PromiseLike<R>, options: WithOptions = {}): Promise<Awaited<R>> {
    return runHolding(this.acquire(options.timeout), fn);
  }

  /** `<Lock [unlocked]>`, `<Lock [locked]>`, `<Lock [locked,waiters:2]>`. */
  toString(): string {
    let state = this._locked ? "locked" : "unlocked";
    const count = this._waiters.length;
    if (count > 0) state += `,waiters:${count}`;
    return `<Lock [${state}]>`;
  }
}
