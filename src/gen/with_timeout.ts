/**
 * `withTimeout`: a deadline on anything awaitable (mirrors `tornado.gen.with_timeout`).
 */
import { CancelledError, Future, chainFuture } from "../concurrent";
import { IOLoop } from "../ioloop";
import { appLog } from "../log";
import { TimeoutError, type TimeDelta } from "../util";
import { convertYielded, type QuietExceptionsOptions, type Yieldable } from "./multi";

/**
 * A Future that follows `awaitable` but fails with `TimeoutError` ("Timeout") if it is not
 * done by `timeout`.
 *
 * As in Tornado, `timeout` is a **deadline**: a number is an absolute `IOLoop.time()`, a
 * `TimeDelta` (`{ seconds }`) is relative to now. On timeout the inner work is **not**
 * cancelled (it may be shared with other waiters); if it fails later, that failure is
 * logged ("Exception in Future … after timeout") unless its class is in
 * `quietExceptions`. To stop the work too, cancel it yourself on `TimeoutError`.
 *
 * @example
 * const body = await withTimeout({ seconds: 2 }, download(url));
 * const answer = await withTimeout(IOLoop.current().time() + 5, compute());
 */
export function withTimeout<T>(
  timeout: number | TimeDelta,
  awaitable: Future<T> | PromiseLike<T>,
  options: QuietExceptionsOptions = {},
): Future<Awaited<T>> {
  const inner = convertYielded(awaitable as Yieldable) as Future<Awaited<T>>;
  const result = new Future<Awaited<T>>();
  chainFuture(inner, result);
  const loop = IOLoop.current();
  const quiet = options.quietExceptions ?? [];
  const logLateFailure = (done: Future<Awaited<T>>): void => {
    if (done.cancelled()) return;
    const error = done.exception();
    if (error === undefined || error instanceof CancelledError) return;
    if (quiet.some((cls) => error instanceof cls)) return;
    appLog.error(`Exception in Future ${String(done)} after timeout`, error);
  };
  const handle = loop.addTimeout(timeout, () => {
    if (result.done()) return;
    result.setException(new TimeoutError("Timeout"));
    inner.addDoneCallback(logLateFailure);
  });
  if (inner.done()) loop.removeTimeout(handle);
  else inner.addDoneCallback(() => loop.removeTimeout(handle));
  return result;
}
