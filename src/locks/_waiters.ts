/**
 * The line of waiters behind every lock and queue: a FIFO of futures in which a waiter
 * that times out or is cancelled leaves at once.
 *
 * Tornado keeps its waiters in a `deque` and lets timed-out ones linger, skipping them
 * when it wakes the next waiter and sweeping them out every 100 timeouts (locks) or when
 * they reach the head of the line (queues). Here each waiter is a node of an intrusive
 * doubly linked list, so a timeout or a `cancel()` unlinks it in O(1): the line never
 * holds a waiter that can no longer be woken, and there is nothing to sweep.
 *
 * Internal to `locks` and `queues` (which imports this file, as `ioloop` imports
 * `concurrent/_scheduler`); of it, `locks` exports only the `Deadline` type.
 */
import { Future } from "../concurrent";
import { IOLoop, type TimeoutHandle } from "../ioloop";
import { TimeoutError, type TimeDelta } from "../util";

/**
 * When a wait gives up, as Tornado spells it: a number is an absolute `IOLoop.time()`
 * deadline, a `TimeDelta` (`{ seconds }`) is relative to now; `null` or `undefined` waits
 * for ever.
 */
export type Deadline = number | TimeDelta;

/**
 * A future that stands in a {@link WaiterList}. It is the very Future the caller gets, so
 * `cancel()` on it takes it out of the line (and removes its timeout) at once.
 *
 * @typeParam T - what the waiter is woken with.
 * @typeParam D - what it carries while it waits (a queue's putters carry their item).
 */
export class Waiter<T, D = undefined> extends Future<T> {
  /** @internal Neighbours in the list; null at the ends and once unlinked. */
  _prev: Waiter<T, D> | null = null;
  /** @internal */
  _next: Waiter<T, D> | null = null;
  /** @internal The list the waiter stands in, or null once it left. */
  _list: WaiterList<T, D> | null = null;
  /** @internal The pending timeout, and the loop it was added to. */
  _timer: TimeoutHandle | null = null;
  /** @internal */
  _timerLoop: IOLoop | null = null;

  /** Makes a pending waiter carrying `data`. */
  constructor(readonly data: D) {
    super();
  }

  /** Cancels the future, as `Future.cancel`, and leaves the line so it is never woken. */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this._list?.remove(this);
    return true;
  }

  /** As `Future.setResult`; a waiter settled by anyone leaves the line. */
  override setResult(value: T): void {
    super.setResult(value);
    this._list?.remove(this);
  }

  /** As `Future.setException`; a waiter settled by anyone leaves the line. */
  override setException(error: unknown): void {
    super.setException(error);
    this._list?.remove(this);
  }
}

/**
 * FIFO line of {@link Waiter}s. `shift()` hands out the one that waited longest; a waiter
 * that times out is unlinked and given to the list's `onTimeout` (which settles it).
 */
export class WaiterList<T, D = undefined> {
  private _head: Waiter<T, D> | null = null;
  private _tail: Waiter<T, D> | null = null;
  private _length = 0;

  /**
   * @param onTimeout settles a waiter whose deadline passed (it has already left the
   *   line): for example `setResult(false)` or `setException(new TimeoutError())`.
   */
  constructor(private readonly _onTimeout: (waiter: Waiter<T, D>) => void) {}

  /** How many waiters stand in line. */
  get length(): number {
    return this._length;
  }

  /**
   * Puts `waiter` at the end of the line and, unless `deadline` is null or undefined,
   * arms a timeout on the current `IOLoop`.
   *
   * @throws `TypeError` ("Unsupported deadline …") for a deadline that is neither a
   *   number nor a `TimeDelta`; the waiter is then not queued.
   */
  push(waiter: Waiter<T, D>, deadline?: Deadline | null): void {
    if (deadline !== undefined && deadline !== null) {
      const loop = IOLoop.current();
      waiter._timer = loop.addTimeout(deadline, expire, waiter);
      waiter._timerLoop = loop;
    }
    waiter._list = this;
    const tail = this._tail;
    waiter._prev = tail;
    if (tail === null) this._head = waiter;
    else tail._next = waiter;
    this._tail = waiter;
    this._length++;
  }

  /**
   * Takes the longest-waiting waiter out of the line (its timeout removed) and returns
   * it, or null if none waits. Every waiter in the line is pending: one that is settled,
   * cancelled or timed out leaves at that moment.
   */
  shift(): Waiter<T, D> | null {
    const waiter = this._head;
    if (waiter !== null) this._unlink(waiter);
    return waiter;
  }

  /** Takes `waiter` out of the line, if it is in this one, and removes its timeout. */
  remove(waiter: Waiter<T, D>): void {
    if (waiter._list === this) this._unlink(waiter);
  }

  /** @internal Called by the waiter's timeout. */
  _expire(waiter: Waiter<T, D>): void {
    waiter._timer = null;
    waiter._timerLoop = null;
    this._unlink(waiter);
    this._onTimeout(waiter);
  }

  private _unlink(waiter: Waiter<T, D>): void {
    const prev = waiter._prev;
    const next = waiter._next;
    if (prev === null) this._head = next;
    else prev._next = next;
    if (next === null) this._tail = prev;
    else next._prev = prev;
    waiter._prev = null;
    waiter._next = null;
    waiter._list = null;
    this._length--;
    const timer = waiter._timer;
    if (timer !== null) {
      (waiter._timerLoop as IOLoop).removeTimeout(timer);
      waiter._timer = null;
      waiter._timerLoop = null;
    }
  }
}

/** The timeout callback of every waiter; one function, so arming a timeout makes no closure. */
function expire(waiter: Waiter<unknown, unknown>): void {
  // A waiter that left the line had its timeout removed; the check is only a safeguard.
  waiter._list?._expire(waiter);
}

/** An `onTimeout` for {@link WaiterList}: fails the waiter with `TimeoutError(message)`. */
export function failWithTimeout(message: string): (waiter: Future<unknown>) => void {
  return (waiter) => waiter.setException(new TimeoutError(message));
}
