/**
 * Clocks for the `IOLoop`: the real monotonic one, and a virtual one that tests advance by
 * hand (asyncio's test loops do the same), so that waiting ten minutes takes no time.
 */

/** Where an `IOLoop` reads the time. Seconds, monotonic, any origin. */
export interface Clock {
  /** The current time in seconds. */
  now(): number;
  /**
   * True for a clock that only moves when told to: the loop arms no real timers and
   * instead re-checks its deadlines each time the clock wakes it.
   */
  readonly virtual: boolean;
  /** Virtual clocks call `wake` whenever they move; real clocks ignore this. */
  subscribe(wake: () => void): void;
  /** Undoes `subscribe`. */
  unsubscribe(wake: () => void): void;
}

/**
 * `performance`, read from the global once: the global is a lazy getter that costs about
 * 10 ns on each access (a quarter of `performance.now()` itself), and `callLater` reads
 * the clock on every call. Not imported from `node:perf_hooks` at load time, which would
 * load that module (about 1 ms) in programs that never read the clock.
 */
let perf: typeof performance | undefined;

/** The real clock: `performance.now()` in seconds, which never goes backwards. */
export const monotonicClock: Clock = {
  now: () => (perf ??= performance).now() / 1000,
  virtual: false,
  subscribe() {},
  unsubscribe() {},
};

/**
 * A clock that stands still until `advance` moves it. Give it to an `IOLoop` in tests of
 * long timeouts; every due timeout then runs on the loop's next turn.
 *
 * @example
 * const clock = new VirtualClock(1000);
 * const loop = new IOLoop({ clock });
 * loop.callLater(3600, () => console.log("an hour later, at once"));
 * clock.advance(3600);
 */
export class VirtualClock implements Clock {
  /** Always true. */
  readonly virtual = true;
  private _now: number;
  private readonly _listeners = new Set<() => void>();

  /** Starts the clock at `start` seconds. */
  constructor(start = 0) {
    this._now = start;
  }

  /** The current virtual time in seconds. */
  now(): number {
    return this._now;
  }

  /**
   * Moves the clock by `seconds` (a negative value moves it back, as a wall clock can) and
   * wakes the loops that use it.
   */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds)) {
      throw new TypeError(`VirtualClock.advance needs a finite number; got ${String(seconds)}`);
    }
    this._now += seconds;
    for (const wake of this._listeners) wake();
  }

  /** Registers a loop's wake function. */
  subscribe(wake: () => void): void {
    this._listeners.add(wake);
  }

  /** Undoes `subscribe`. */
  unsubscribe(wake: () => void): void {
    this._listeners.delete(wake);
  }
}
