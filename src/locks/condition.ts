/**
 * `Condition`: lets tasks wait until another task notifies them (mirrors
 * `tornado.locks.Condition`).
 */
import { type Future } from "../concurrent";
import { Waiter, WaiterList, type Deadline } from "./_waiters";

function timedOut(waiter: Future<boolean>): void {
  waiter.setResult(false);
}

/**
 * A condition that tasks wait on until notified. Like `threading.Condition`, but with no
 * underlying lock to hold.
 *
 * Waiters are woken in the order they started waiting. A waiter whose timeout passed
 * leaves the line at once: it never wakes later, and `notify(n)` does not count it.
 *
 * @example
 * const condition = new Condition();
 * async function waiter() {
 *   console.log("I'll wait right here");
 *   await condition.wait();
 *   console.log("I'm done waiting");
 * }
 * async function notifier() {
 *   console.log("About to notify");
 *   condition.notify();
 *   console.log("Done notifying");
 * }
 * await IOLoop.current().runSync(() => Promise.all([waiter(), notifier()]));
 */
export class Condition {
  private readonly _waiters = new WaiterList<boolean>(timedOut);

  /**
   * Waits for `notify`. The Future resolves to `true` when notified, or to `false` once
   * `timeout` passes (it never rejects for a timeout).
   *
   * @param timeout deadline: a number is an absolute `IOLoop.time()`, a `TimeDelta`
   *   (`{ seconds }`) is relative to now; null or omitted waits for ever. Unlike Tornado,
   *   a zero deadline (`0`, `{ seconds: 0 }`) is a deadline, not "no timeout".
   * @throws `TypeError` for a timeout that is neither a number nor a `TimeDelta`.
   * @example
   * const notified = await condition.wait({ seconds: 1 });
   * if (!notified) console.log("nobody called notify() within a second");
   */
  wait(timeout?: Deadline | null): Future<boolean> {
    const waiter = new Waiter<boolean>(undefined);
    this._waiters.push(waiter, timeout);
    return waiter;
  }

  /**
   * Wakes the `n` tasks that have waited longest (fewer if fewer wait). Their Futures
   * resolve now; code awaiting them resumes on the microtask queue, after the caller's
   * synchronous code, and done-callbacks run on the next loop turn.
   *
   * @example
   * condition.notify(2);
   */
  notify(n = 1): void {
    for (; n > 0; n--) {
      const waiter = this._waiters.shift();
      if (waiter === null) return;
      waiter.setResult(true);
    }
  }

  /** Wakes every waiting task. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** `<Condition>`, or `<Condition waiters[2]>` while tasks wait. */
  toString(): string {
    const count = this._waiters.length;
    return count > 0 ? `<Condition waiters[${count}]>` : "<Condition>";
  }
}
