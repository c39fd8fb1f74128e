/**
 * `LifoQueue`: a `Queue` that hands out the most recent item first (mirrors
 * `tornado.queues.LifoQueue`).
 */
import { Queue } from "./queue";

/**
 * A {@link Queue} that retrieves the most recently put items first, like a stack.
 *
 * @typeParam T - the type of the items.
 * @example
 * const q = new LifoQueue<number>();
 * q.putNowait(3);
 * q.putNowait(2);
 * q.putNowait(1);
 * [q.getNowait(), q.getNowait(), q.getNowait()]; // [1, 2, 3]
 */
export class LifoQueue<T> extends Queue<T> {
  declare private _stack: T[];

  protected override _init(): void {
    this._stack = [];
  }

  protected override _qsize(): number {
    return this._stack.length;
  }

  protected override _put(item: T): void {
    this._stack.push(item);
  }

  protected override _get(): T {
    return this._stack.pop() as T;
  }
}
