/**
 * `PeriodicCallback`: calls a function every N milliseconds (mirrors
 * `tornado.ioloop.PeriodicCallback`).
 *
 * The schedule is fixed to the start time: run k is due at `start + k * period`, however
 * long each run takes, so the callback does not drift. A run that ends after one or more
 * later due times skips them and waits for the next one still ahead: missed runs are
 * dropped, not made up in a burst. A callback that returns a promise or Future is awaited
 * before the next run is scheduled, so runs never overlap (Tornado 6 behaviour).
 */
import { appLog } from "../log";
import { isTimeDelta, type TimeDelta } from "../util";
import { IOLoop } from "./ioloop";
import type { TimeoutHandle } from "./_timer_heap";

/**
 * Calls `callback` every `callbackTime` milliseconds once started.
 *
 * @example
 * const ticker = new PeriodicCallback(() => console.log("tick"), 500);
 * ticker.start();
 * // later
 * ticker.stop();
 */
export class PeriodicCallback {
  /** The period in milliseconds (as in Tornado). */
  readonly callbackTime: number;
  /** Each period is multiplied by `1 + jitter * (random - 0.5)`; 0 means none. */
  readonly jitter: number;
  private readonly _callback: () => unknown;
  private _running = false;
  private _loop: IOLoop | null = null;
  private _timeout: TimeoutHandle | null = null;
  /** Absolute loop time of the next run. */
  private _nextTimeout = 0;
  /** Source of randomness for jitter; tests replace it. */
  private _random: () => number = Math.random;

  /**
   * @param callbackTime the period: milliseconds, or a `TimeDelta`.
   * @param jitter spreads runs by up to `±jitter/2` of the period (0.1 = ±5 %).
   * @throws `RangeError` ("Periodic callback must have a positive callback_time") if the
   *   period is not positive.
   */
  constructor(callback: () => unknown, callbackTime: number | TimeDelta, jitter = 0) {
    // The period is milliseconds, as in Tornado; a TimeDelta is seconds.
    const ms = isTimeDelta(callbackTime) ? callbackTime.seconds * 1000 : callbackTime;
    if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
      throw new RangeError("Periodic callback must have a positive callback_time");
    }
    this._callback = callback;
    this.callbackTime = ms;
    this.jitter = jitter;
    // The loop names its timeouts by function (leak reports, logs): say whose this is.
    Object.defineProperty(this._run, "name", {
      value: `PeriodicCallback(${callback.name || "<anonymous function>"})`,
    });
  }

  /** Starts calling back on the current loop; the first run is one period from now. */
  start(): void {
    this._loop = IOLoop.current();
    this._running = true;
    this._nextTimeout = this._loop.time();
    this._scheduleNext();
  }

  /** Stops; a run in progress finishes but no further run is scheduled. */
  stop(): void {
    this._running = false;
    if (this._timeout !== null && this._loop !== null) {
      this._loop.removeTimeout(this._timeout);
      this._timeout = null;
    }
  }

  /** True between `start()` and `stop()`. */
  isRunning(): boolean {
    return this._running;
  }

  private readonly _run = async (): Promise<void> => {
    if (!this._running) return;
    try {
      await this._callback();
    } catch (error) {
      appLog.error(`Exception in callback ${this._callback.name || "<anonymous function>"}`, error);
    } finally {
      this._scheduleNext();
    }
  };

  private _scheduleNext(): void {
    if (!this._running || this._loop === null) return;
    this._updateNext(this._loop.time());
    this._timeout = this._loop.addTimeout(this._nextTimeout, this._run);
  }

  /**
   * Moves `_nextTimeout` to the first due time after `now`: skip every period that has
   * already passed (no burst, no drift). If the clock went backwards, just add one period.
   */
  private _updateNext(now: number): void {
    let period = this.callbackTime / 1000;
    if (this.jitter) period *= 1 + this.jitter * (this._random() - 0.5);
    if (this._nextTimeout <= now) {
      const missed = Math.floor((now - this._nextTimeout) / period);
      this._nextTimeout += (missed + 1) * period;
    } else {
      this._nextTimeout += period;
    }
  }
}
