/**
 * `IOLoop`: Tornado's event loop on top of Node's (mirrors `tornado.ioloop.IOLoop`).
 *
 * Node has one libuv loop per thread and every `IOLoop` shares it. What an `IOLoop` adds
 * is Tornado's discipline: its callbacks and timeouts run only while it runs (`start` or
 * `runSync`), in a defined order, and `close()` forgets them all. Only one `IOLoop` runs
 * at a time, as only one asyncio loop runs per thread.
 *
 * One turn of a running loop (`_runOnce`) does what asyncio's `_run_once` does: move the
 * timeouts that are due onto the ready queue, then run the callbacks that were ready when
 * the turn began. Callbacks added during the turn wait for the next one, so a callback
 * that keeps re-adding itself cannot starve timers or I/O. A turn is one `setImmediate`
 * for any number of callbacks, and one Node timer is armed at a time, for the earliest
 * deadline.
 *
 * While it runs, a loop holds the process open (one referenced interval). When it stops
 * it clears every Node handle it made, so a script whose last line is
 * `IOLoop.current().runSync(main)` exits as soon as `main` is done.
 */
import {
  Future,
  WorkerPoolExecutor,
  isThenable,
  type CallbackScheduler,
  type Executor,
  CancelledError,
} from "../concurrent";
import { setSchedulerProvider } from "../concurrent/_scheduler";
import { appLog } from "../log";
import { RuntimeError, TimeoutError, isTimeDelta, type TimeDelta } from "../util";
import { monotonicClock, type Clock } from "./clock";
import { TimerHeap, type TimeoutHandle } from "./_timer_heap";

/** Any function the loop can call back. */
export type Callback = (...args: any[]) => unknown;

/** Options of the {@link IOLoop} constructor. */
export interface IOLoopOptions {
  /** Make the new loop the current one (Tornado's default, true). */
  makeCurrent?: boolean;
  /** Where the loop reads the time; default the monotonic clock. Tests pass a `VirtualClock`. */
  clock?: Clock;
}

/** Options of {@link IOLoop.runSync}. */
export interface RunSyncOptions {
  /** Relative seconds after which the run fails with `TimeoutError`; none by default. */
  timeout?: number | null;
}

/** Something `close({ allFds: true })` closes, such as a stream registered by `iostream`. */
export interface Closeable {
  /** Releases the resource. */
  close(): unknown;
}

/**
 * Timers fire when their deadline is at most this far ahead: Node's timers have
 * millisecond resolution and may wake a fraction of a millisecond early (asyncio keeps
 * the same allowance as `clock_resolution`).
 */
const CLOCK_RESOLUTION = 0.001;
/** A delay long enough that the keep-alive interval never really fires. */
const KEEPALIVE_SECONDS = 3600;
/** How a ready-queue entry passes its arguments (see `IOLoop._readyArgs`). */
const ARGS_NONE = 0;
const ARGS_ONE = 1;
const ARGS_SPREAD = 2;

/** The loop that runs now (at most one). */
let runningLoop: IOLoop | null = null;
/** The loop made current while none runs. */
let currentLoop: IOLoop | null = null;

/**
 * Tornado's event loop: schedules callbacks and timeouts and runs them in order.
 *
 * @example
 * async function main() {
 *   await new Promise((resolve) => IOLoop.current().callLater(0.1, resolve));
 *   return "done";
 * }
 * IOLoop.current().runSync(main).then(console.log);
 */
export class IOLoop implements CallbackScheduler {
  private readonly _clock: Clock;
  /**
   * The ready queue, as parallel arrays: the function, its arguments, and how to pass
   * them (`ARGS_NONE`, `ARGS_ONE`: the entry is the single argument, `ARGS_SPREAD`: the
   * entry is an array). A single argument needs no array, which keeps future callbacks
   * from allocating.
   */
  private _readyFns: Callback[] = [];
  private _readyArgs: unknown[] = [];
  private _readyArgc: number[] = [];
  /** Spare arrays, swapped in at each turn so a turn never allocates. */
  private _spareFns: Callback[] = [];
  private _spareArgs: unknown[] = [];
  private _spareArgc: number[] = [];
  private readonly _timers = new TimerHeap();
  private _running = false;
  private _stopping = false;
  private _closed = false;
  private _inTurn = false;
  private _immediate: NodeJS.Immediate | null = null;
  private _nodeTimer: NodeJS.Timeout | null = null;
  private _nodeTimerDeadline = Infinity;
  private _keepAlive: NodeJS.Timeout | null = null;
  private _stopped: (() => void) | null = null;
  private _defaultExecutor: Executor | null = null;
  private _ownsDefaultExecutor = false;
  private readonly _closeables = new Set<Closeable>();

  /** Makes a loop; by default it becomes the current one. */
  constructor(options: IOLoopOptions = {}) {
    this._clock = options.clock ?? monotonicClock;
    if (this._clock.virtual) this._clock.subscribe(this._wake);
    if (options.makeCurrent ?? true) this.makeCurrent();
  }

  /**
   * The running loop, else the current one; with `{instance: false}` null when there is
   * none, otherwise a new loop is made current and returned.
   */
  static current(): IOLoop;
  static current(options: { instance: false }): IOLoop | null;
  static current(options?: { instance?: boolean }): IOLoop | null;
  static current(options?: { instance?: boolean }): IOLoop | null {
    const loop = runningLoop ?? currentLoop;
    if (loop !== null || options?.instance === false) return loop;
    return new IOLoop();
  }

  /** Forgets the current loop (it is not closed). Deprecated in Tornado 6, kept for ports. */
  static clearCurrent(): void {
    currentLoop = null;
  }

  /** Makes this loop the one `IOLoop.current()` returns while no loop runs. */
  makeCurrent(): void {
    if (this._closed) throw new RuntimeError("Cannot make a closed IOLoop current");
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module tracks the current loop
    currentLoop = this;
  }

  /** The loop's clock, in seconds: monotonic, with an arbitrary origin. */
  time(): number {
    return this._clock.now();
  }

  /** True between `start()`/`runSync()` and the moment the loop stops. */
  isRunning(): boolean {
    return this._running;
  }

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Calls `callback(...args)` on a later turn of this loop. Callbacks run in the order
   * they were added. Silently ignored once the loop is closed (as in Tornado).
   *
   * @example
   * loop.addCallback(console.log, "later");
   */
  addCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    if (args.length === 0) this._enqueue(callback as Callback, undefined, ARGS_NONE);
    else if (args.length === 1) this._enqueue(callback as Callback, args[0], ARGS_ONE);
    else this._enqueue(callback as Callback, args, ARGS_SPREAD);
  }

  /** Same as `addCallback` (Tornado keeps both names). */
  spawnCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.addCallback(callback, ...args);
  }

  /** `CallbackScheduler` for futures: `addCallback(callback, arg)`. */
  scheduleCallback<A>(callback: (arg: A) => unknown, arg: A): void {
    this._enqueue(callback as Callback, arg, ARGS_ONE);
  }

  /**
   * Calls `callback(...args)` at `deadline`: a number is an absolute `time()`, a
   * `TimeDelta` is relative to now.
   *
   * @throws `TypeError` ("Unsupported deadline …") for anything else.
   */
  addTimeout<A extends unknown[]>(
    deadline: number | TimeDelta,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimeoutHandle {
    if (typeof deadline === "number" && !Number.isNaN(deadline)) {
      return this.callAt(deadline, callback, ...args);
    }
    if (isTimeDelta(deadline)) return this.callLater(deadline.seconds, callback, ...args);
    throw new TypeError(`Unsupported deadline ${String(deadline)}`);
  }

  /** Calls `callback(...args)` when `time()` reaches `when` (absolute seconds). */
  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimeoutHandle {
    if (typeof when !== "number" || Number.isNaN(when)) {
      throw new TypeError(`callAt needs a numeric deadline; got ${String(when)}`);
    }
    const handle = this._timers.push(when, callback as Callback, args.length ? args : undefined);
    this._afterTimerAdded(when);
    return handle;
  }

  /** Calls `callback(...args)` after `delay` seconds (relative). */
  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimeoutHandle {
    if (typeof delay !== "number" || Number.isNaN(delay)) {
      throw new TypeError(`callLater needs a delay in seconds; got ${String(delay)}`);
    }
    const when = this._clock.now() + delay;
    const handle = this._timers.push(
      when,
      callback as Callback,
      args.length ? args : undefined,
      delay,
    );
    this._afterTimerAdded(when);
    return handle;
  }

  /** Cancels a timeout. Safe after it ran, and when called twice. */
  removeTimeout(handle: TimeoutHandle): void {
    this._timers.cancel(handle);
  }

  /**
   * Calls `callback(future)` on a later turn once `future` (a Future or a promise) is done.
   */
  addFuture<T>(
    future: Future<T> | PromiseLike<T>,
    callback: (future: Future<Awaited<T>>) => unknown,
  ): void {
    const asFuture = Future.fromPromise(future) as Future<Awaited<T>>;
    if (asFuture.done()) this.addCallback(callback, asFuture);
    else asFuture.addDoneCallback((done) => this.addCallback(callback, done));
  }

  /**
   * Runs `fn(...args)` on `executor`, or on the default one when `executor` is null: a
   * `WorkerPoolExecutor`, so `fn` must be self-contained and its arguments cloneable
   * (see `WorkerPoolExecutor`).
   */
  runInExecutor<A extends unknown[], R>(
    executor: Executor | null,
    fn: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>> {
    if (executor === null) {
      if (this._defaultExecutor === null) {
        this._defaultExecutor = new WorkerPoolExecutor();
        this._ownsDefaultExecutor = true;
      }
      executor = this._defaultExecutor;
    }
    return executor.submit(fn, ...args);
  }

  /** Replaces the executor `runInExecutor(null, …)` uses. */
  setDefaultExecutor(executor: Executor): void {
    this._defaultExecutor = executor;
    this._ownsDefaultExecutor = false;
  }

  /**
   * Starts the loop, runs `fn` on it and stops once `fn`'s result is settled; resolves
   * with that result. `fn` may return a value, a promise or a Future.
   *
   * @param options.timeout relative seconds; on expiry a returned Future is cancelled and
   *   the promise rejects with `TimeoutError` ("Operation timed out after N seconds").
   * @throws (rejects) `RuntimeError` if a loop is already running, or if the loop was
   *   stopped before `fn`'s result was ready.
   * @example
   * const answer = await IOLoop.current().runSync(async () => 42);
   */
  async runSync<T>(
    fn: () => T | PromiseLike<T>,
    options: RunSyncOptions = {},
  ): Promise<Awaited<T>> {
    this._checkStartable();
    let future: Future<Awaited<T>> | null = null;
    let timedOut = false;
    // A run that ends early (timeout, stop()) must not leave its own callback behind:
    // it is removed from the future, and guarded in case it was already scheduled.
    let active = true;
    const stopThisRun = (): void => {
      if (active) this.stop();
    };
    this.addCallback(() => {
      try {
        future = Future.fromPromise(fn()) as Future<Awaited<T>>;
      } catch (error) {
        future = new Future<Awaited<T>>();
        future.setException(error);
      }
      future.addDoneCallback(stopThisRun);
    });
    const timeout = options.timeout;
    let timeoutHandle: TimeoutHandle | null = null;
    if (timeout !== undefined && timeout !== null) {
      timeoutHandle = this.callLater(timeout, () => {
        const pending = future as Future<Awaited<T>> | null;
        if (pending !== null && !pending.done()) {
          timedOut = true;
          pending.removeDoneCallback(stopThisRun);
          pending.cancel(`runSync timed out after ${timeout} seconds`);
          // A promise (unlike a Future) cannot be cancelled: stopping the loop leaves the
          // rest of that work queued here, not running.
          this.stop();
        }
      });
    }
    await this.start();
    active = false;
    if (timeoutHandle !== null) this.removeTimeout(timeoutHandle);
    (future as Future<Awaited<T>> | null)?.removeDoneCallback(stopThisRun);
    const settled = future as Future<Awaited<T>> | null;
    if (timedOut) throw new TimeoutError(`Operation timed out after ${timeout} seconds`);
    if (settled === null || !settled.done()) {
      throw new RuntimeError("Event loop stopped before Future completed.");
    }
    return settled.result();
  }

  /**
   * Runs the loop until `stop()` is called; the returned promise settles then.
   *
   * @throws (rejects) `RuntimeError` if this or another loop is already running, or if
   *   this loop is closed.
   */
  start(): Promise<void> {
    try {
      this._checkStartable();
    } catch (error) {
      return Promise.reject(error);
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module tracks the running loop
    runningLoop = this;
    this._running = true;
    this._keepAlive = setInterval(noop, toTimerMs(KEEPALIVE_SECONDS));
    const stopped = new Promise<void>((resolve) => {
      this._stopped = resolve;
    });
    this._immediate = setImmediate(this._runOnce);
    return stopped;
  }

  /**
   * Stops the loop after the current turn; the promise of `start()` then settles. When
   * the loop is not running, the next `start()` runs one turn and stops.
   */
  stop(): void {
    this._stopping = true;
    if (this._running && !this._inTurn && this._immediate === null) {
      this._immediate = setImmediate(this._runOnce);
    }
  }

  /**
   * Closes the loop: pending callbacks and timeouts are dropped, later `addCallback`s are
   * ignored, and the default executor is shut down. With `allFds`, every registered
   * closeable (streams) is closed too.
   *
   * @throws `RuntimeError` if the loop is running.
   */
  close(options: { allFds?: boolean } = {}): void {
    if (this._running) throw new RuntimeError("Cannot close a running event loop");
    if (this._closed) return;
    this._closed = true;
    this._clearQueues();
    if (this._clock.virtual) this._clock.unsubscribe(this._wake);
    if (currentLoop === this) currentLoop = null;
    if (this._ownsDefaultExecutor && this._defaultExecutor !== null) {
      void this._defaultExecutor.shutdown({ wait: false });
    }
    this._defaultExecutor = null;
    const closeables = [...this._closeables];
    this._closeables.clear();
    if (options.allFds) {
      for (const c of closeables) {
        try {
          c.close();
        } catch (error) {
          appLog.error("Error closing object on IOLoop.close", error);
        }
      }
    }
  }

  /**
   * @internal Registers an object that `close({ allFds: true })` must close (streams call
   * this). Returns a function that unregisters it.
   */
  _registerCloseable(closeable: Closeable): () => void {
    this._closeables.add(closeable);
    return () => this._closeables.delete(closeable);
  }

  /**
   * @internal What the loop still holds: its ready callbacks in queue order and its live
   * timeouts (for the leak check of `tornado-ts/testing` and for diagnostics).
   */
  _pendingWork(): { callbacks: Callback[]; timeouts: number; handles: TimeoutHandle[] } {
    const handles = this._timers.pending();
    return { callbacks: [...this._readyFns], timeouts: handles.length, handles };
  }

  private _checkStartable(): void {
    if (this._closed) throw new RuntimeError("Cannot run a closed event loop");
    if (this._running) throw new RuntimeError("This event loop is already running");
    if (runningLoop !== null) {
      throw new RuntimeError("Cannot run the event loop while another loop is running");
    }
  }

  /** Queues one ready callback and makes sure a turn is coming. */
  private _enqueue(fn: Callback, args: unknown, argc: number): void {
    if (this._closed) return;
    this._readyFns.push(fn);
    this._readyArgs.push(args);
    this._readyArgc.push(argc);
    if (this._immediate === null && this._running && !this._inTurn) {
      this._immediate = setImmediate(this._runOnce);
    }
  }

  /**
   * One turn, in asyncio's order: the callbacks that were ready when the turn began, then
   * the timeouts that were due then. What those add waits for the next turn.
   */
  private readonly _runOnce = (): void => {
    this._immediate = null;
    if (!this._running) return;
    this._inTurn = true;
    const timers = this._timers;
    // Read the clock only when some timeout could be due; an idle timer heap costs nothing.
    const now = timers.size > 0 ? this._clock.now() + CLOCK_RESOLUTION : -Infinity;
    const seqLimit = timers.nextSeq;
    const fns = this._readyFns;
    const args = this._readyArgs;
    const argc = this._readyArgc;
    this._readyFns = this._spareFns;
    this._readyArgs = this._spareArgs;
    this._readyArgc = this._spareArgc;
    for (let i = 0; i < fns.length; i++) this._runCallback(fns[i], args[i], argc[i]);
    fns.length = 0;
    args.length = 0;
    argc.length = 0;
    this._spareFns = fns;
    this._spareArgs = args;
    this._spareArgc = argc;
    // Due timeouts run straight from the heap. One removed by an earlier callback of this
    // turn is skipped there; one added during the turn (seq >= seqLimit) waits.
    for (let handle = timers.popDue(now, seqLimit); handle; handle = timers.popDue(now, seqLimit)) {
      const handleArgs = handle._args;
      if (handleArgs === undefined) this._runCallback(handle._callback, undefined, ARGS_NONE);
      else this._runCallback(handle._callback, handleArgs, ARGS_SPREAD);
    }
    this._inTurn = false;
    if (this._stopping) {
      this._finishStop();
      return;
    }
    if (this._readyFns.length > 0) this._immediate = setImmediate(this._runOnce);
    if (timers.size > 0 || this._nodeTimer !== null) this._armTimer();
  };

  /** Runs one callback; an exception, or a rejection of what it returns, is logged. */
  private _runCallback(fn: Callback, args: unknown, argc: number): void {
    try {
      const result =
        argc === ARGS_NONE ? fn() : argc === ARGS_ONE ? fn(args) : fn(...(args as unknown[]));
      if (result !== undefined && result !== null && isThenable(result)) {
        result.then(undefined, (error: unknown) => logCallbackError(fn, error));
      }
    } catch (error) {
      logCallbackError(fn, error);
    }
  }

  /** A new timeout may be earlier than the armed Node timer: re-arm (turns re-arm at their end). */
  private _afterTimerAdded(when: number): void {
    if (this._running && !this._inTurn && when < this._nodeTimerDeadline) this._armTimer();
  }

  /** Points the single Node timer at the earliest live deadline (or clears it). */
  private _armTimer(): void {
    const next = this._timers.top();
    const deadline = next === undefined ? Infinity : next.deadline;
    if (deadline === this._nodeTimerDeadline) return;
    if (this._nodeTimer !== null) {
      clearTimeout(this._nodeTimer);
      this._nodeTimer = null;
    }
    this._nodeTimerDeadline = Infinity;
    if (deadline === Infinity) return;
    const delay = deadline - this._clock.now();
    if (delay <= CLOCK_RESOLUTION) {
      if (this._immediate === null) this._immediate = setImmediate(this._runOnce);
      return;
    }
    // A virtual clock wakes the loop itself each time it moves.
    if (this._clock.virtual) return;
    this._nodeTimerDeadline = deadline;
    this._nodeTimer = setTimeout(this._onNodeTimer, toTimerMs(delay));
  }

  private readonly _onNodeTimer = (): void => {
    this._nodeTimer = null;
    this._nodeTimerDeadline = Infinity;
    if (this._immediate !== null) {
      clearImmediate(this._immediate);
      this._immediate = null;
    }
    this._runOnce();
  };

  /** A virtual clock moved: look at the deadlines again on the next turn. */
  private readonly _wake = (): void => {
    if (this._running && !this._inTurn && this._immediate === null) {
      this._immediate = setImmediate(this._runOnce);
    }
  };

  private _finishStop(): void {
    this._running = false;
    this._stopping = false;
    if (runningLoop === this) runningLoop = null;
    if (this._immediate !== null) clearImmediate(this._immediate);
    if (this._nodeTimer !== null) clearTimeout(this._nodeTimer);
    if (this._keepAlive !== null) clearInterval(this._keepAlive);
    this._immediate = null;
    this._nodeTimer = null;
    this._nodeTimerDeadline = Infinity;
    this._keepAlive = null;
    const stopped = this._stopped;
    this._stopped = null;
    stopped?.();
  }

  private _clearQueues(): void {
    this._readyFns = [];
    this._readyArgs = [];
    this._readyArgc = [];
    this._timers.clear();
  }
}

function noop(): void {}

/**
 * The loop's timer adapter: seconds to Node's timer milliseconds, rounded up so that a
 * timer never fires before its deadline (the one place the loop speaks milliseconds).
 */
function toTimerMs(seconds: number): number {
  return Math.ceil(seconds * 1000);
}

function logCallbackError(fn: Callback, error: unknown): void {
  // Tornado's _run_callback ignores cancellation: a cancelled task is not an error.
  if (error instanceof CancelledError) return;
  appLog.error(`Exception in callback ${fn.name || "<anonymous function>"}`, error);
}

// Futures schedule their done-callbacks on whatever loop is current when they settle.
setSchedulerProvider(() => IOLoop.current());
