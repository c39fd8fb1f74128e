/**
 * `sleep` and `moment`: waiting on the loop (mirrors `tornado.gen.sleep` and
 * `tornado.gen.moment`).
 */
import { Future } from "../concurrent";
import { IOLoop } from "../ioloop";

/**
 * A Future that resolves after `seconds` (relative) on the current loop. Unlike a raw
 * `setTimeout`, it only counts down while the loop runs, and `IOLoop.close()` drops it.
 *
 * @example
 * await sleep(0.5);
 */
export function sleep(seconds: number): Future<void> {
  if (typeof seconds !== "number" || Number.isNaN(seconds)) {
    throw new TypeError(`sleep needs a number of seconds; got ${String(seconds)}`);
  }
  const future = new Future<void>();
  IOLoop.current().callLater(seconds, () => {
    if (!future.done()) future.setResult(undefined);
  });
  return future;
}

/**
 * Awaiting `moment` gives the loop one turn: other ready callbacks run before the code
 * after `await moment`. Use it to let other tasks progress during a long computation.
 *
 * @example
 * for (const item of bigList) { process(item); await moment; }
 */
export const moment: PromiseLike<void> = Object.freeze({
  then<R1 = void, R2 = never>(
    onFulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return momentFuture().then(onFulfilled, onRejected);
  },
});

/** A Future resolved on the current loop's next turn. */
export function momentFuture(): Future<void> {
  const future = new Future<void>();
  IOLoop.current().addCallback(() => future.setResult(undefined));
  return future;
}
