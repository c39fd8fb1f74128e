/**
 * `Future`: the placeholder for a result that is not there yet (mirrors `asyncio.Future`,
 * which is what `tornado.concurrent.Future` is since Tornado 5).
 *
 * A Future is settled once, by `setResult`, `setException` or `cancel`. Two kinds of
 * listener can wait for it:
 * - done-callbacks (`addDoneCallback`) are called with the future on a later turn of the
 *   current `IOLoop`, never inside the call that settled it (asyncio's rule);
 * - `await future` (and `then`) resume on the microtask queue, like any JavaScript
 *   promise.
 *
 * A Future **is** a native `Promise` (a subclass), so `await`, `Promise.all`,
 * `util.types.isPromise` and async stack traces treat it as one, and `await future` costs
 * about what `await promise` costs. Two details make that work:
 * - `future.constructor` answers `Promise`. `await` asks a promise for its constructor and
 *   takes V8's native fast path only when the answer is `Promise`; otherwise it would
 *   treat the Future as a foreign thenable, with an extra job and an extra promise per
 *   `await`. For the same reason `then` returns plain promises.
 * - that question is also how a Future learns that someone waits for its outcome: an
 *   `await`, `then`, `catch`, `finally` or `Promise.all` reads `constructor` first.
 *
 * A future that failed and whose exception nobody looked at (through `result()`,
 * `exception()`, `await` or `then`) is reported on `appLog` as
 * "Future exception was never retrieved" when it is garbage collected, as asyncio does.
 * Node's own unhandled-rejection report (which by default ends the process) never fires
 * for a Future: Tornado code legitimately reads failures later, from a done-callback.
 *
 * Difference from asyncio: Python resumes an `await` of a pending future through
 * `call_soon` (a later loop pass) and an `await` of a done one at once; JavaScript resumes
 * every `await` on the microtask queue. The porting guide spells out what this changes.
 */
import { appLog } from "../log";
import { currentScheduler } from "./_scheduler";
import { CancelledError, InvalidStateError } from "./errors";

const PENDING = 0;
/** Done with a result. */
const FINISHED = 1;
const CANCELLED = 2;
/** Done with an exception (asyncio calls it FINISHED too). */
const FAILED = 3;
type State = typeof PENDING | typeof FINISHED | typeof CANCELLED | typeof FAILED;
const STATE_NAMES = ["PENDING", "FINISHED", "CANCELLED", "FINISHED"] as const;

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

const nativeThen = Promise.prototype.then;
function ignore(): void {}

/**
 * The executor every Future passes to `Promise`: one shared function that parks the
 * resolving functions where the constructor picks them up, so that making a Future
 * allocates no closure of its own (it is made by the thousand on hot paths).
 */
let capturedResolve: (value: any) => void = ignore;
let capturedReject: (error: unknown) => void = ignore;
function captureResolvers(resolve: (value: any) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * A result that will be available later: a Promise with asyncio's Future API
 * (`result()`, `done()`, done-callbacks, `cancel()`).
 *
 * @typeParam T - the type of the result.
 * @example
 * const f = new Future<number>();
 * f.addDoneCallback((done) => console.log("callback", done.result()));
 * setTimeout(() => f.setResult(42), 10);
 * console.log("awaited", await f);
 */
export class Future<T = unknown> extends Promise<T> {
  private _state: State = PENDING;
  /** The result (FINISHED) or the exception (FAILED, CANCELLED). */
  private _value: unknown = undefined;
  // Typed loosely so that Future<T> stays covariant in T (a Future<number> is a Future<unknown>).
  private _callbacks: DoneCallback<any>[] | null = null;
  /**
   * The native promise's resolving functions, dropped once used: a done future that is
   * kept (say, a write's, until its connection looks at it) then no longer holds them
   * and their context.
   */
  private _resolveNative: (value: any) => void;
  private _rejectNative: (error: unknown) => void;
  /** True once someone has looked at the outcome; silences the GC report. */
  private _retrieved = false;
  private _unretrieved: Unretrieved | null = null;

  /**
   * Makes a pending future. (The optional executor exists for the Promise machinery, so
   * that inherited statics such as `Future.resolve(x)` work; settle futures you make
   * with `setResult`/`setException`.)
   */
  constructor(executor?: (resolve: (value: T) => void, reject: (error: unknown) => void) => void) {
    super(captureResolvers);
    if (new.target !== Future) inheritConstructorGetter(new.target);
    this._resolveNative = capturedResolve;
    this._rejectNative = capturedReject;
    // Drop the module's references, or the newest Future could never be collected.
    capturedResolve = capturedReject = ignore;
    if (executor !== undefined) {
      executor(
        (value) => {
          if (this._state !== PENDING) return;
          if (isThenable(value)) {
            value.then(
              (v) => this._state === PENDING && this.setResult(v as T),
              (e: unknown) => this._state === PENDING && this.setException(e),
            );
          } else {
            this.setResult(value);
          }
        },
        (error) => {
          if (this._state === PENDING) this.setException(error);
        },
      );
    }
  }

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
    if (this._state !== FINISHED) throw this._value;
    return this._value as T;
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
    if (this._state === CANCELLED) throw this._value;
    return this._state === FAILED ? this._value : undefined;
  }

  /**
   * Marks the future done with `value` and schedules its done-callbacks.
   *
   * @throws `InvalidStateError` if the future is already done.
   */
  setResult(value: T): void {
    this._checkPending("setResult");
    this._value = value;
    this._state = FINISHED;
    const resolve = this._resolveNative;
    this._resolveNative = this._rejectNative = ignore;
    resolve(value);
    this._scheduleCallbacks();
  }

  /**
   * Marks the future failed with `error` and schedules its done-callbacks.
   *
   * @throws `InvalidStateError` if the future is already done.
   */
  setException(error: unknown): void {
    this._checkPending("setException");
    this._value = error;
    this._state = FAILED;
    this._rejectQuietly(error);
    if (!this._retrieved) {
      this._unretrieved = { error };
      neverRetrieved.register(this, this._unretrieved, this._unretrieved);
    }
    this._scheduleCallbacks();
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
    const error = new CancelledError(message);
    this._value = error;
    // A cancelled future is not an unexpected failure: nothing to report on collection.
    this._retrieved = true;
    this._rejectQuietly(error);
    this._scheduleCallbacks();
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

  /** `Future` in `Object.prototype.toString`. */
  override get [Symbol.toStringTag](): string {
    return "Future";
  }

  /** `<Future pending>`, `<Future finished result=42>`, `<Future finished exception=…>`. */
  override toString(): string {
    const state = STATE_NAMES[this._state].toLowerCase();
    if (this._state === FAILED) return `<Future ${state} exception=${String(this._value)}>`;
    if (this._state === FINISHED) return `<Future ${state} result=${describe(this._value)}>`;
    return `<Future ${state}>`;
  }

  private _checkPending(action: string): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(
        `invalid state: cannot ${action} on a future that is already ${STATE_NAMES[this._state]}`,
      );
    }
  }

  /** @internal Someone is reading the outcome: no "never retrieved" report. */
  _markRetrieved(): void {
    if (this._retrieved) return;
    this._retrieved = true;
    if (this._unretrieved !== null) {
      neverRetrieved.unregister(this._unretrieved);
      this._unretrieved = null;
    }
  }

  /**
   * Rejects the native promise with a handler already attached, so Node never reports
   * the rejection as unhandled. Attaching it reads `constructor`, which would count as
   * retrieval; that one read is not a reader.
   */
  private _rejectQuietly(error: unknown): void {
    const reject = this._rejectNative;
    this._resolveNative = this._rejectNative = ignore;
    reject(error);
    const retrieved = this._retrieved;
    nativeThen.call(this, undefined, ignore);
    this._retrieved = retrieved;
  }

  private _scheduleCallbacks(): void {
    const callbacks = this._callbacks;
    if (callbacks === null) return;
    this._callbacks = null;
    const scheduler = currentScheduler();
    for (let i = 0; i < callbacks.length; i++) scheduler.scheduleCallback(callbacks[i], this);
  }
}

// `then`, `catch`, `finally` and the statics make plain promises, not Futures.
Object.defineProperty(Future, Symbol.species, { get: () => Promise, configurable: true });
// See the module header: answering `Promise` keeps `await` on V8's fast path, and the
// question means someone is about to read the outcome.
Object.defineProperty(Future.prototype, "constructor", {
  get(this: Future<unknown>) {
    this._markRetrieved();
    return Promise;
  },
  configurable: true,
});

const adoptedSubclasses = new WeakSet<object>();

/**
 * A subclass (`class Waiter extends Future`) gets its own `prototype.constructor`, which
 * would hide the getter above: `await` would leave the fast path and stop marking
 * retrieval. Remove it the first time the subclass is instantiated, so the getter is
 * inherited.
 */
function inheritConstructorGetter(subclass: object): void {
  if (adoptedSubclasses.has(subclass)) return;
  adoptedSubclasses.add(subclass);
  for (
    let proto = (subclass as { prototype: object }).prototype;
    proto !== null && proto !== Future.prototype;
    proto = Object.getPrototypeOf(proto) as object
  ) {
    const own = Object.getOwnPropertyDescriptor(proto, "constructor");
    if (own !== undefined && "value" in own && typeof own.value === "function") {
      delete (proto as { constructor?: unknown }).constructor;
    }
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
