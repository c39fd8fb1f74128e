/**
 * `Event`: a flag that tasks can wait for (mirrors `tornado.locks.Event`).
 */
import { Future } from "../concurrent";
import { Waiter, WaiterList, failWithTimeout, type Deadline } from "./_waiters";

/**
 * A flag, initially clear, that blocks `wait()` until someone calls `set()`. Like
 * `threading.Event`.
 *
 * @example
 * const event = new Event();
 * async function waiter() {
 *   console.log("Waiting for event");
 *   await event.wait();
 *   console.log("Not waiting this time");
 *   await event.wait();
 *   console.log("Done");
 * }
 * async function setter() {
 *   console.log("About to set the event");
 *   event.set();
 * }
 * await IOLoop.current().runSync(() => Promise.all([waiter(), setter()]));
 */
export class Event {
  private _value = false;
  private readonly _waiters = new WaiterList<void>(failWithTimeout("Timeout in Event.wait"));

  /** True while the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /**
   * Sets the flag and wakes every waiting task. Later `wait()` calls resolve at once,
   * until `clear()`. Setting a set event does nothing.
   */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (let waiter = this._waiters.shift(); waiter !== null; waiter = this._waiters.shift()) {
      waiter.setResult(undefined);
    }
  }

  /** Clears the flag: `wait()` blocks again until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the flag is set. The Future is already done if it is set now.
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. When it passes
   *   the Future rejects with `TimeoutError` and the waiter is gone.
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * await event.wait({ seconds: 5 }); // TimeoutError if not set within 5 s
   */
  wait(timeout?: Deadline | null): Future<void> {
    if (this._value) {
      const done = new Future<void>();
      done.setResult(undefined);
      return done;
    }
    const waiter = new Waiter<void>(undefined);
    this._waiters.push(waiter, timeout);
    return waiter;
  }

  /** `<Event set>` or `<Event clear>`. */
  toString(): string {
    return `<Event ${this._value ? "set" : "clear"}>`;
  }
}
