/**
 * `WaitIterator`: results of many awaitables in the order they finish (mirrors
 * `tornado.gen.WaitIterator`).
 */
import { Future, chainFuture, futureAddDoneCallback } from "../concurrent";
import { BadYieldError } from "./errors";
import { convertYielded, type Yieldable } from "./multi";

/**
 * Hands out the results of several awaitables in completion order, telling which one
 * finished through `currentIndex` (the array index or object key) and `currentFuture`.
 *
 * @example
 * const it = new WaitIterator([fetch(a), fetch(b)]);
 * while (!it.done()) {
 *   try { console.log(it.currentIndex, await it.next()); }
 *   catch (e) { console.log(it.currentIndex, "failed", e); }
 * }
 * // or, stopping at the first failure:
 * for await (const result of new WaitIterator({ a: fetch(a), b: fetch(b) })) { ... }
 */
export class WaitIterator<T = unknown> implements AsyncIterable<T> {
  /** Index or key of the awaitable whose result `next()` gave last; null before and at the end. */
  currentIndex: number | string | null = null;
  /** The future whose result `next()` gave last; null before and at the end. */
  currentFuture: Future<T> | null = null;
  private readonly _unfinished = new Map<Future<T>, number | string>();
  private readonly _finished: Future<T>[] = [];
  private _running: Future<T> | null = null;

  /**
   * @param awaitables an array or an object of Futures/promises.
   * @throws `TypeError` ("You must provide unique futures") if one appears twice;
   *   `BadYieldError` if one is not awaitable.
   */
  constructor(
    awaitables:
      readonly (Future<T> | PromiseLike<T>)[] | { [key: string]: Future<T> | PromiseLike<T> },
  ) {
    const entries: [number | string, unknown][] = Array.isArray(awaitables)
      ? awaitables.map((a, i) => [i, a])
      : Object.entries(awaitables);
    for (const [key, awaitable] of entries) {
      if (awaitable === null || awaitable === undefined) {
        throw new BadYieldError(`WaitIterator got ${String(awaitable)} at ${String(key)}`);
      }
      const future = convertYielded(awaitable as Yieldable) as Future<T>;
      if (this._unfinished.has(future)) throw new TypeError("You must provide unique futures");
      this._unfinished.set(future, key);
    }
    for (const future of this._unfinished.keys()) {
      futureAddDoneCallback(future, (done) => this._onDone(done));
    }
  }

  /** True once every result has been handed out (and resets the `current` fields). */
  done(): boolean {
    if (this._finished.length > 0 || this._unfinished.size > 0) return false;
    this.currentIndex = null;
    this.currentFuture = null;
    return true;
  }

  /**
   * A Future of the next result to finish (rejecting if that awaitable failed). Call it
   * only while `done()` is false, and wait for it before calling it again.
   */
  next(): Future<T> {
    this._running = new Future<T>();
    const finished = this._finished.shift();
    if (finished !== undefined) return this._handOut(finished);
    return this._running;
  }

  /** `for await` over the results; stops at the end, throws at the first failure. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        if (this.done()) return { done: true, value: undefined };
        return { done: false, value: await this.next() };
      },
    };
  }

  private _onDone(done: Future<T>): void {
    if (this._running !== null && !this._running.done()) this._handOut(done);
    else this._finished.push(done);
  }

  private _handOut(done: Future<T>): Future<T> {
    const running = this._running as Future<T>;
    this._running = null;
    chainFuture(done, running);
    this.currentFuture = done;
    this.currentIndex = this._unfinished.get(done) ?? null;
    this._unfinished.delete(done);
    return running;
  }
}
