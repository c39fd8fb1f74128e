/**
 * `coroutine`: Tornado's generator-based coroutines (mirrors `tornado.gen.coroutine` and
 * its `Runner`).
 *
 * Before `async`/`await`, Tornado code was written as generators that `yield` futures.
 * `coroutine(function* () { ... })` runs such a generator: each `yield` waits for what it
 * yielded (a Future, a promise, an array or object of them, or `null` for one loop turn)
 * and resumes with its result, or throws its error into the generator at that `yield`, so
 * `try`/`catch` around a `yield` works. `return value` (or `throw new Return(value)`)
 * resolves the coroutine's Future. New code should prefer `async` functions; the two mix
 * freely, since each can await the other.
 */
import {
  Future,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  isThenable,
} from "../concurrent";
import { Return } from "./errors";
import { convertYielded, type Yieldable } from "./multi";

/** The result type of a generator coroutine: what its `return` gives. */
type GeneratorReturn<G> = G extends Generator<unknown, infer R, unknown> ? R : G;

const COROUTINE = Symbol("tornado-ts.coroutine");

/**
 * Wraps a generator function (or a plain one) so that calling it runs it as a coroutine
 * and returns a Future of its result.
 *
 * A plain function's return value (or exception) settles the Future at once; a
 * generator is stepped until it returns. Yielded futures that are already done are
 * consumed at once, without a loop turn, as Tornado's runner does; pending ones resume
 * the generator from a loop callback.
 *
 * @example
 * const fetchBoth = coroutine(function* (a: string, b: string) {
 *   const [x, y] = (yield [fetch(a), fetch(b)]) as [Response, Response];
 *   return [x.status, y.status];
 * });
 * const statuses = await fetchBoth(urlA, urlB);
 */
export function coroutine<This, A extends unknown[], G>(
  fn: (this: This, ...args: A) => G,
): (this: This, ...args: A) => Future<Awaited<GeneratorReturn<G>>> {
  const wrapper = function (this: This, ...args: A): Future<Awaited<GeneratorReturn<G>>> {
    const future = new Future<Awaited<GeneratorReturn<G>>>();
    let produced: G;
    try {
      produced = fn.apply(this, args);
    } catch (error) {
      settleWithError(future, error);
      return future;
    }
    if (isGenerator(produced)) {
      new Runner(produced, future as Future<unknown>).run(undefined, false);
    } else if (isThenable(produced)) {
      // A plain function that returned an awaitable: follow it.
      convertYielded(produced as Yieldable).then(
        (value) => futureSetResultUnlessCancelled(future, value as Awaited<GeneratorReturn<G>>),
        (error: unknown) => settleWithError(future, error),
      );
    } else {
      future.setResult(produced as Awaited<GeneratorReturn<G>>);
    }
    return future;
  };
  Object.defineProperty(wrapper, COROUTINE, { value: true });
  Object.defineProperty(wrapper, "name", { value: fn.name });
  Object.defineProperty(wrapper, "wrapped", { value: fn });
  return wrapper;
}

/** True if `fn` was made by {@link coroutine} (Tornado's `is_coroutine_function`). */
export function isCoroutineFunction(fn: unknown): boolean {
  if (typeof fn !== "function") return false;
  if ((fn as unknown as Record<symbol, unknown>)[COROUTINE] === true) return true;
  return fn.constructor?.name === "AsyncFunction";
}

/** Steps one generator, feeding it the outcome of each thing it yields. */
class Runner {
  constructor(
    private readonly gen: Generator<unknown, unknown, unknown>,
    private readonly future: Future<unknown>,
  ) {}

  /** Resumes the generator with `value` (or throws `value` into it) until it waits. */
  run(value: unknown, isError: boolean): void {
    for (;;) {
      let step: IteratorResult<unknown, unknown>;
      try {
        step = isError ? this.gen.throw(value) : this.gen.next(value);
      } catch (error) {
        settleWithError(this.future, error);
        return;
      }
      if (step.done) {
        futureSetResultUnlessCancelled(this.future, step.value);
        return;
      }
      let yielded: Future<unknown>;
      try {
        yielded = convertYielded(step.value as Yieldable);
      } catch (badYield) {
        value = badYield;
        isError = true;
        continue;
      }
      if (!yielded.done()) {
        yielded.addDoneCallback((done) => this.resume(done));
        return;
      }
      // Already done: consume it now, as Tornado's runner does, without a loop turn.
      [value, isError] = outcomeOf(yielded);
    }
  }

  private resume(done: Future<unknown>): void {
    const [value, isError] = outcomeOf(done);
    this.run(value, isError);
  }
}

function outcomeOf(future: Future<unknown>): [unknown, boolean] {
  try {
    return [future.result(), false];
  } catch (error) {
    return [error, true];
  }
}

/** `Return` ends a coroutine with a value; any other error fails it. */
function settleWithError<T>(future: Future<T>, error: unknown): void {
  if (error instanceof Return) futureSetResultUnlessCancelled(future, error.value as T);
  else futureSetExceptionUnlessCancelled(future, error);
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function" &&
    typeof (value as Generator)[Symbol.iterator] === "function"
  );
}
