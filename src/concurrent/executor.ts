/**
 * Executors: objects that run a function somewhere else and hand back a `Future`
 * (mirrors `concurrent.futures.Executor` as Tornado uses it, with Tornado's
 * `DummyExecutor` and `run_on_executor`).
 */
import { Future, isThenable } from "./future";
import { chainFuture } from "./future_tools";

/** Something that runs `fn(...args)` and gives its outcome as a Future. */
export interface Executor {
  /** Starts `fn(...args)` and returns a future of its (awaited) result. */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;
  /** Stops accepting work; resolves once the work already accepted has finished. */
  shutdown(options?: { wait?: boolean }): Promise<void>;
}

/**
 * An executor that runs the function at once, in the caller's turn (Tornado's
 * `DummyExecutor`). Useful in tests and where an API wants an executor but the work is
 * cheap.
 *
 * @example
 * const f = dummyExecutor.submit((a: number, b: number) => a + b, 1, 2);
 * f.result(); // 3
 */
export class DummyExecutor implements Executor {
  /** Runs `fn(...args)` now; the returned future is done unless `fn` returned a promise. */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    const future = new Future<Awaited<R>>();
    try {
      const value = fn(...args);
      if (isThenable(value)) chainFuture(value as PromiseLike<Awaited<R>>, future);
      else future.setResult(value as Awaited<R>);
    } catch (error) {
      future.setException(error);
    }
    return future;
  }

  /** Nothing to wait for: work ran inline. */
  async shutdown(): Promise<void> {}
}

/** The shared {@link DummyExecutor} (Tornado's `dummy_executor`). */
export const dummyExecutor: Executor = new DummyExecutor();

/** Options of {@link runOnExecutor}. */
export interface RunOnExecutorOptions {
  /** Name of the property of `this` that holds the executor. Default `"executor"`. */
  executor?: string;
}

/**
 * Makes a method run on an executor stored on its object, returning a Future (Tornado's
 * `@run_on_executor`). TypeScript decorators cannot change a method's return type, so
 * this is a wrapper rather than a decorator.
 *
 * @example
 * class Resizer {
 *   executor = dummyExecutor;
 *   pool = dummyExecutor;
 *   resize = runOnExecutor(function (this: Resizer, size: number) { return size / 2; });
 *   thumbnail = runOnExecutor(function (this: Resizer, size: number) { return size / 4; }, { executor: "pool" });
 * }
 *
 * The method runs with `this` bound, so it needs an executor that runs in this thread
 * (such as `DummyExecutor`): a worker executor cannot send `this` or a closure to its
 * worker (see `WorkerPoolExecutor`).
 * @throws `TypeError` (when called) if `this[options.executor]` is not an executor.
 */
export function runOnExecutor<This, A extends unknown[], R>(
  method: (this: This, ...args: A) => R,
  options: RunOnExecutorOptions = {},
): (this: This, ...args: A) => Future<Awaited<R>> {
  const executorName = options.executor ?? "executor";
  return function (this: This, ...args: A): Future<Awaited<R>> {
    const executor = (this as Record<string, unknown>)[executorName] as Executor | undefined;
    if (executor === undefined || executor === null || typeof executor.submit !== "function") {
      throw new TypeError(
        `runOnExecutor: this.${executorName} is not an executor (got ${typeof executor})`,
      );
    }
    return executor.submit(() => method.apply(this, args));
  };
}
