/**
 * Free functions around `Future` (mirrors the helpers of `tornado.concurrent`).
 */
import { appLog } from "../log";
import { Future, isThenable, type DoneCallback } from "./future";

/**
 * True if `value` is a tornado-ts {@link Future}. Like Tornado's `is_future`, a plain
 * Promise does not count; use `isThenable` for "anything awaitable".
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/**
 * Copies the outcome of `source` into `target` once `source` is done, unless `target` is
 * already done by then (for instance cancelled). `source` may be a Future or any promise.
 *
 * @example
 * const target = new Future<number>();
 * chainFuture(Promise.resolve(1), target);
 */
export function chainFuture<T>(source: Future<T> | PromiseLike<T>, target: Future<T>): void {
  if (source instanceof Future) {
    futureAddDoneCallback(source, (done) => {
      if (target.done()) return;
      if (done.cancelled()) {
        target.cancel();
        return;
      }
      let value: T;
      try {
        value = done.result();
      } catch (error) {
        target.setException(error);
        return;
      }
      target.setResult(value);
    });
  } else if (isThenable(source)) {
    source.then(
      (value) => {
        if (!target.done()) target.setResult(value);
      },
      (error: unknown) => {
        if (!target.done()) target.setException(error);
      },
    );
  } else {
    throw new TypeError(`chainFuture expects a Future or a promise; got ${typeof source}`);
  }
}

/**
 * `future.setResult(value)` unless the future was cancelled, which would make
 * `setResult` throw. Use it where a cancellation may race with the work finishing.
 */
export function futureSetResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!future.cancelled()) future.setResult(value);
}

/**
 * `future.setException(error)` unless the future was cancelled; in that case the error
 * would be lost, so it is logged ("Exception after Future was cancelled") instead.
 */
export function futureSetExceptionUnlessCancelled<T>(future: Future<T>, error: unknown): void {
  if (!future.cancelled()) future.setException(error);
  else appLog.error("Exception after Future was cancelled", error);
}

/**
 * Calls `callback(future)` when `future` is done; **inline** when it is done already
 * (Tornado's `future_add_done_callback`, unlike `Future.addDoneCallback`, which always
 * defers to the loop).
 */
export function futureAddDoneCallback<T>(future: Future<T>, callback: DoneCallback<T>): void {
  if (future.done()) callback(future);
  else future.addDoneCallback(callback);
}
