/**
 * `Future`: the placeholder for a result that is not there yet (mirrors `asyncio.Future`,
 * which is what `tornado.concurrent.Future` is since Tornado 5).
 *
 * A Future is settled once, by `setResult`, `setException` or `cancel`. Two kinds of
 * listener can wait for it:
 * - done-callbacks (`addDoneCallback`) are called with the future on a later turn of the
 *   current `IOLoop`, never inside the call that settled it (asyncio's rule);
 * - `await future` (and `then`) resume on the microtask queue, like any JavaScript
 *   promise, so Futures and Promises mix freely (`Promise.all([future, promise])` works).
 *
 * Differences from asyncio: Python resumes an `await` of a pending future through
 * `call_soon` (a later loop pass) and an `await` of a done one at once; JavaScript resumes
 * every `await` on the microtask queue. The porting guide spells out what this changes.
 *
 * A future that failed and whose exception nobody looked at (through `result()`,
 * `exception()`, `await` or `then`) is reported on `appLog` as
 * "Future exception was never retrieved" when it is garbage collected, as asyncio does.
 */
import { appLog } from "../log";
import { currentScheduler } from "./_scheduler";
import { CancelledError, InvalidStateError } from "./errors";

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;
type State = typeof PENDING | typeof FINISHED | typeof CANCELLED;
const STATE_NAMES = ["PENDING", "FINISHED", "CANCELLED"] as const;

/** A function called with the future once it is done. */
export type DoneCallback<T> = (future: Future<T>) => unknown;

/**
 * What a failed future keeps for the "never retrieved" report. It must not point back to
 * the future, or the future could never be collected.
 */
interface Unretrieved {
  readonly error: unknown;
}

const neverRetrieved = new FinalizationRegistry<Unretrieved>((held) => {
  appLog.error("Future exception was never retrieved", held.error);
});

/**
 * A result that will be available later: awaitable, and with done-callbacks.
 *
 * @typeParam T - the type of the result.
 * @example
 * const f = new Future<number>();
 * f.addDoneCallback((done) => console.log("callback", done.result()));
 * setTimeout(() => f.setResult(42), 10);
 * console.log("awaited", await f);
 */
export class Future<T = unknown> implements PromiseLike<T> {
  private _state: State = PENDING;
  private _result: T | undefined = undefined;
  private _failed = false;
  private _error: unknown = undefined;
  // Typed loosely so that Future<T> stays covariant in T (a Future<number> is a Future<unknown>).
  private _callbacks: DoneCallback<any>[] | null = null;
  /** Settled together with the future; made only when someone calls `then`. */
  private _promise: Promise<T> | null = null;
  private _settlePromise: ((future: Future<any>) => void) | null = null;
  /** True once someone has looked at the outcome; silences the GC report. */
  private _retrieved = false;
  private _unretrieved: Unretrieved | null = null;

  /** Makes a pending future. */
  constructor() {}

  /**
   * A future that follows `awaitable`: a Future is returned as it is, a promise or any
   * other thenable is wrapped, and a plain value gives a future already done with it.
   *
   * @example
   * const f = Future.fromPromise(fetchSomething());
   */
  static fromPromise<T>(awaitable: T | PromiseLike<T> | Future<T>): Future<Awaited<T>> {
    if (awaitable instanceof Future) return awaitable as Future<Awaited<T>>;
    const future = new Future<Awaited<T>>();
    if (isThenable(awaitable)) {
      (awaitable as PromiseLike<Awaited<T>>).then(
        (value) => {
          if (!future.done()) future.setResult(value);
        },
        (error: unknown) => {
          if (!future.done()) future.setException(error);
        },
      );
    } else {
      future.setResult(awaitable as Awaited<T>);
    }
    return future;
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result.
   *
   * @throws the future's exception if it failed; `CancelledError` if it was cancelled;
   *   `InvalidStateError` ("Result is not ready.") while it is pending.
   */
  result(): T {
    if (this._state === PENDING) throw new InvalidStateError("Result is not ready.");
    this._markRetrieved();
    if (this._failed) throw this._error;
    return this._result as T;
  }

  /**
   * The exception the future failed with, or `undefined` if it has a result.
   *
   * @throws `CancelledError` if it was cancelled; `InvalidStateError`
   *   ("Exception is not set.") while it is pending.
   */
  exception(): unknown {
    if (this._state === PENDING) throw new InvalidStateError("Exception is not set.");
    this._markRetrieved();
    if (this._state === CANCELLED) throw this._error;
    return this._failed ? this._error : undefined;
  }

  /**
   * Marks the future done with `value` and schedules its done-callbacks.
   *
   * @throws `InvalidStateError` if the future is already done.
   */
  setResult(value: T): void {
    this._checkPending("setResult");
    this._result = value;
    this._state = FINISHED;
    this._settle();
  }

  /**
   * Marks the future failed with `error` and schedules its done-callbacks.
   *
   * @throws `InvalidStateError` if the future is already done.
   */
  setException(error: unknown): void {
    this._checkPending("setException");
    this._failed = true;
    this._error = error;
    this._state = FINISHED;
    if (!this._retrieved) {
      this._unretrieved = { error };
      neverRetrieved.register(this, this._unretrieved, this._unretrieved);
    }
    this._settle();
  }

  /**
   * Cancels the future if it is pending: its done-callbacks are scheduled and every
   * reader gets `CancelledError`.
   *
   * @returns false if the future was already done, true if this call cancelled it.
   */
  cancel(message?: string): boolean {
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._failed = true;
    this._error = new CancelledError(message);
    // A cancelled future is not an unexpected failure: nothing to report on collection.
    this._retrieved = true;
    this._settle();
    return true;
  }

  /**
   * Calls `callback(future)` once the future is done: on a later turn of the current
   * `IOLoop`, even when the future is already done (use `futureAddDoneCallback` for
   * Tornado's inline variant).
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (this._state !== PENDING) {
      currentScheduler().scheduleCallback(callback, this);
    } else if (this._callbacks === null) {
      this._callbacks = [callback];
    } else {
      this._callbacks.push(callback);
    }
  }

  /**
   * Removes every registration of `callback`.
   *
   * @returns how many were removed.
   */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const callbacks = this._callbacks;
    if (callbacks === null) return 0;
    const kept = callbacks.filter((cb) => cb !== callback);
    this._callbacks = kept;
    return callbacks.length - kept.length;
  }

  /**
   * Promise interface: lets `await` and `Promise.all` use the future. Callbacks run on
   * the microtask queue, as they do for a native promise.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this._markRetrieved();
    return this._asPromise().then(onFulfilled, onRejected);
  }

  /** Promise interface: `then(undefined, onRejected)`. */
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** Promise interface: runs `onFinally` when the future settles, passing its outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    this._markRetrieved();
    return this._asPromise().finally(onFinally);
  }

  /** `Future` in `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return "Future";
  }

  /** `<Future pending>`, `<Future finished result=42>`, `<Future finished exception=…>`. */
  toString(): string {
    const state = STATE_NAMES[this._state].toLowerCase();
    if (this._state !== FINISHED) return `<Future ${state}>`;
    return this._failed
      ? `<Future ${state} exception=${String(this._error)}>`
      : `<Future ${state} result=${describe(this._result)}>`;
  }

  private _checkPending(action: string): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(
        `invalid state: cannot ${action} on a future that is already ${STATE_NAMES[this._state]}`,
      );
    }
  }

  private _markRetrieved(): void {
    if (this._retrieved) return;
    this._retrieved = true;
    if (this._unretrieved !== null) {
      neverRetrieved.unregister(this._unretrieved);
      this._unretrieved = null;
    }
  }

  private _asPromise(): Promise<T> {
    if (this._promise === null) {
      if (this._state === PENDING) {
        this._promise = new Promise<T>((resolve, reject) => {
          this._settlePromise = (f) => (f._failed ? reject(f._error) : resolve(f._result as T));
        });
      } else {
        this._promise = this._failed
          ? Promise.reject(this._error)
          : Promise.resolve(this._result as T);
      }
    }
    return this._promise;
  }

  /** Wakes every listener: the promise now (it defers by itself), callbacks via the loop. */
  private _settle(): void {
    if (this._settlePromise !== null) {
      this._settlePromise(this);
      this._settlePromise = null;
    }
    const callbacks = this._callbacks;
    if (callbacks === null) return;
    this._callbacks = null;
    const scheduler = currentScheduler();
    for (let i = 0; i < callbacks.length; i++) scheduler.scheduleCallback(callbacks[i], this);
  }
}

/** True for a Future, a Promise or any other object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
