/**
 * `Releaser`: what `Semaphore.acquire` and `Lock.acquire` resolve to (Tornado's
 * `_ReleasingContextManager`), and the scoped form that always releases.
 *
 * Python writes `async with lock:` or `with (yield lock.acquire()):`. tornado-ts offers
 * two equivalents:
 * - `await lock.with(async () => { ... })`, which works everywhere;
 * - `await using _ = await lock.acquire();` (or plain `using`), TypeScript's explicit
 *   resource management, which Node 20 supports: `Symbol.dispose` and
 *   `Symbol.asyncDispose` exist there, and TypeScript 5.2+ compiles `using` down for
 *   ES2022 targets.
 */
import { Future } from "../concurrent";
import type { Deadline } from "./_waiters";

/** Anything a {@link Releaser} can release: a `Semaphore`, `BoundedSemaphore` or `Lock`. */
export interface Releasable {
  /** Gives back one acquisition. */
  release(): void;
}

/**
 * One acquisition of a `Semaphore` or `Lock`, returned (through the Future) by
 * `acquire()`. Calling `release()` on it releases the semaphore or lock once; later calls
 * do nothing, so a releaser never gives back more than it took (unlike calling
 * `sem.release()` twice). It is disposable, for `using` and `await using`.
 *
 * @example
 * const releaser = await lock.acquire();
 * try {
 *   await critical();
 * } finally {
 *   releaser.release();
 * }
 * @example
 * {
 *   await using _held = await lock.acquire();
 *   await critical();
 * } // released here, also when critical() throws
 */
export class Releaser implements Disposable, AsyncDisposable {
  private _target: Releasable | null;

  /** Made by `acquire()`; `target` is the semaphore or lock to release. */
  constructor(target: Releasable) {
    this._target = target;
  }

  /** True once this acquisition was given back. */
  get released(): boolean {
    return this._target === null;
  }

  /**
   * Releases the semaphore or lock, the first time only.
   *
   * @throws whatever the target's `release()` throws (for instance `RuntimeError`
   *   "release unlocked lock" if the lock was already released directly).
   */
  release(): void {
    const target = this._target;
    if (target === null) return;
    this._target = null;
    target.release();
  }

  /** `using` support: the same as `release()`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** `await using` support: the same as `release()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/**
 * The answer to an acquire that succeeds at once: a Future already done with a new
 * {@link Releaser} for `owner` (an uncontended lock or semaphore takes no waiter).
 */
export function grantedNow(owner: Releasable): Future<Releaser> {
  const granted = new Future<Releaser>();
  granted.setResult(new Releaser(owner));
  return granted;
}

/** Options of the scoped form `with(fn, options)` of `Semaphore` and `Lock`. */
export interface WithOptions {
  /**
   * Give up acquiring at this deadline: a number is an absolute `IOLoop.time()`, a
   * `TimeDelta` is relative. `fn` then does not run and the promise rejects with
   * `TimeoutError`.
   */
  timeout?: Deadline | null;
}

/** Waits for `acquired`, runs `fn`, and releases however `fn` ends. */
export async function runHolding<R>(
  acquired: Future<Releaser>,
  fn: () => R | PromiseLike<R>,
): Promise<Awaited<R>> {
  const releaser = await acquired;
  try {
    return await fn();
  } finally {
    releaser.release();
  }
}
