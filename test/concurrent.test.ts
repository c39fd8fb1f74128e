/**
 * Tests of `concurrent`, named after Tornado's concurrent_test.py and the asyncio Future
 * behaviour Tornado relies on.
 */
import { expect } from "chai";
import { types } from "node:util";
import {
  CancelledError,
  DummyExecutor,
  Future,
  InvalidStateError,
  WorkerPoolExecutor,
  chainFuture,
  dummyExecutor,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  isFuture,
  runOnExecutor,
  type Executor,
} from "../src/concurrent";
import { RuntimeError } from "../src/util";
import { stderrAfterGc, srcModule } from "./helpers/gc_child";
import { captureLogs, nextTurn, useFreshLoop } from "./helpers/loop";

describe("FutureTest", () => {
  const ctx = useFreshLoop();

  it("returns its result once set", () => {
    const f = new Future<number>();
    expect(f.done()).to.equal(false);
    f.setResult(42);
    expect(f.done()).to.equal(true);
    expect(f.cancelled()).to.equal(false);
    expect(f.result()).to.equal(42);
    expect(f.exception()).to.equal(undefined);
  });

  it("throws InvalidStateError when read while pending", () => {
    const f = new Future<number>();
    expect(() => f.result()).to.throw(InvalidStateError, "Result is not ready.");
    expect(() => f.exception()).to.throw(InvalidStateError, "Exception is not set.");
  });

  it("rethrows its exception from result()", () => {
    const f = new Future<number>();
    const error = new Error("boom");
    f.setException(error);
    expect(f.done()).to.equal(true);
    expect(f.exception()).to.equal(error);
    expect(() => f.result()).to.throw(error);
  });

  it("refuses to be settled twice", () => {
    const f = new Future<number>();
    f.setResult(1);
    expect(() => f.setResult(2)).to.throw(InvalidStateError, /already FINISHED/);
    expect(() => f.setException(new Error("x"))).to.throw(InvalidStateError);
    expect(f.result()).to.equal(1);
    const c = new Future<number>();
    c.cancel();
    expect(() => c.setResult(1)).to.throw(InvalidStateError, /already CANCELLED/);
  });

  it("cancels only while pending", () => {
    const f = new Future<number>();
    expect(f.cancel("stop it")).to.equal(true);
    expect(f.cancelled()).to.equal(true);
    expect(f.done()).to.equal(true);
    expect(f.cancel()).to.equal(false);
    expect(() => f.result()).to.throw(CancelledError, "stop it");
    expect(() => f.exception()).to.throw(CancelledError);
    const done = new Future<number>();
    done.setResult(1);
    expect(done.cancel()).to.equal(false);
    expect(done.cancelled()).to.equal(false);
  });

  it("runs done-callbacks after setResult returns, never inside it", async () => {
    const order: string[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<string>();
      f.addDoneCallback((done) => order.push(`callback ${done.result()}`));
      f.setResult("x");
      order.push("after setResult");
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal(["after setResult", "callback x"]);
  });

  it("schedules a callback added to a done future instead of calling it inline", async () => {
    const order: string[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<number>();
      f.setResult(1);
      f.addDoneCallback(() => order.push("callback"));
      order.push("after addDoneCallback");
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal(["after addDoneCallback", "callback"]);
  });

  it("runs done-callbacks in the order they were added, with the future", async () => {
    const seen: unknown[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<number>();
      for (const name of ["a", "b", "c"]) f.addDoneCallback((done) => seen.push([name, done]));
      f.setResult(7);
      await nextTurn(ctx.loop);
      expect(seen).to.deep.equal([
        ["a", f],
        ["b", f],
        ["c", f],
      ]);
    });
  });

  it("removes done-callbacks and says how many", async () => {
    const calls: string[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<number>();
      const a = (): number => calls.push("a");
      const b = (): number => calls.push("b");
      f.addDoneCallback(a);
      f.addDoneCallback(b);
      f.addDoneCallback(a);
      expect(f.removeDoneCallback(a)).to.equal(2);
      expect(f.removeDoneCallback(a)).to.equal(0);
      f.setResult(1);
      await nextTurn(ctx.loop);
    });
    expect(calls).to.deep.equal(["b"]);
  });

  it("runs done-callbacks of a cancelled future", async () => {
    const seen: boolean[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<number>();
      f.addDoneCallback((done) => seen.push(done.cancelled()));
      f.cancel();
      await nextTurn(ctx.loop);
    });
    expect(seen).to.deep.equal([true]);
  });

  it("can be awaited, pending or done, and rejects with its exception", async () => {
    const pending = new Future<number>();
    setTimeout(() => pending.setResult(5), 1);
    expect(await pending).to.equal(5);
    const done = new Future<string>();
    done.setResult("now");
    expect(await done).to.equal("now");
    const failed = new Future<number>();
    failed.setException(new RangeError("bad"));
    let caught: unknown;
    try {
      await failed;
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(RangeError);
    const cancelled = new Future<number>();
    cancelled.cancel();
    try {
      await cancelled;
      expect.fail("await of a cancelled future must throw");
    } catch (e) {
      expect(e).to.be.instanceOf(CancelledError);
    }
  });

  it("mixes with promises: Promise.all, then, catch, finally", async () => {
    const a = new Future<number>();
    const b = Promise.resolve(2);
    setImmediate(() => a.setResult(1));
    expect(await Promise.all([a, b])).to.deep.equal([1, 2]);
    const c = new Future<number>();
    c.setResult(3);
    expect(await c.then((v) => v * 2)).to.equal(6);
    const d = new Future<number>();
    d.setException(new Error("nope"));
    expect(await d.catch((e: Error) => e.message)).to.equal("nope");
    let finallyRan = false;
    expect(await c.finally(() => (finallyRan = true))).to.equal(3);
    expect(finallyRan).to.equal(true);
  });

  it("wraps promises and values with Future.fromPromise", async () => {
    const existing = new Future<number>();
    expect(Future.fromPromise(existing)).to.equal(existing);
    const fromValue = Future.fromPromise(9);
    expect(fromValue.done()).to.equal(true);
    expect(fromValue.result()).to.equal(9);
    const fromPromise = Future.fromPromise(Promise.resolve("p"));
    expect(fromPromise.done()).to.equal(false);
    expect(await fromPromise).to.equal("p");
    const rejected = Future.fromPromise(Promise.reject(new Error("r")));
    await rejected.then(
      () => expect.fail("must reject"),
      () => undefined,
    );
    expect((rejected.exception() as Error).message).to.equal("r");
  });

  it("is a native Promise that await takes on its fast path", async () => {
    const f = new Future<number>();
    expect(f).to.be.instanceOf(Promise);
    expect(types.isPromise(f)).to.equal(true);
    expect(f.constructor).to.equal(Promise);
    const derived = f.then((v) => v + 1);
    expect(derived).to.not.be.instanceOf(Future);
    f.setResult(1);
    expect(await derived).to.equal(2);
    const covariant: Future<unknown> = new Future<number>();
    expect(covariant.done()).to.equal(false);
  });

  it("keeps await on the fast path, and retrieval seen, for subclasses", async () => {
    class Tagged<T> extends Future<T> {
      tag = "t";
    }
    const f = new Tagged<number>();
    expect(f.constructor).to.equal(Promise);
    f.setException(new Error("sub"));
    await f.catch(() => undefined);
    // Retrieved by the catch: a later exception() reads it, and GC would stay silent.
    expect((f as unknown as { _retrieved: boolean })._retrieved).to.equal(true);
    expect(f).to.be.instanceOf(Tagged);
  });

  it("supports the inherited Promise statics", async () => {
    const resolved = Future.resolve(5) as Future<number>;
    expect(resolved).to.be.instanceOf(Future);
    expect(await resolved).to.equal(5);
    expect(resolved.result()).to.equal(5);
    const adopted = Future.resolve(Promise.resolve("adopted")) as Future<string>;
    expect(await adopted).to.equal("adopted");
    const rejected = Future.reject(new Error("static")) as Future<never>;
    expect(((await rejected.catch((e: Error) => e)) as Error).message).to.equal("static");
  });

  it("never raises Node's unhandled rejection, even when nobody listens", async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => {
      seen.push(reason);
    };
    process.on("unhandledRejection", listener);
    try {
      const f = new Future<number>();
      f.setException(new Error("nobody listens"));
      new Future<number>().cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).to.deep.equal([]);
      expect((f.exception() as Error).message).to.equal("nobody listens");
    } finally {
      process.off("unhandledRejection", listener);
    }
  });

  it("prints its state", () => {
    const f = new Future<number>();
    expect(String(f)).to.equal("<Future pending>");
    f.setResult(3);
    expect(String(f)).to.equal("<Future finished result=3>");
    expect(Object.prototype.toString.call(f)).to.equal("[object Future]");
  });
});

describe("FutureNeverRetrievedTest", () => {
  // Needs --expose-gc and a process of its own, so collection really happens.
  function stderrOfChild(body: string): string {
    return stderrAfterGc(`
      const { Future } = require(${srcModule("concurrent")});
      ${body}
    `);
  }

  it("reports a failed future nobody looked at when it is collected", function () {
    this.timeout(30000);
    const stderr = stderrOfChild(
      `(() => { const f = new Future(); f.setException(new Error("lost error")); })();`,
    );
    expect(stderr).to.match(/Future exception was never retrieved/);
    expect(stderr).to.match(/Error: lost error/);
    expect(stderr).to.match(/at /, "the report carries the stack");
  });

  it("stays silent when the exception was retrieved or awaited", function () {
    this.timeout(30000);
    const stderr = stderrOfChild(`
      (() => { const f = new Future(); f.setException(new Error("seen")); f.exception(); })();
      await (async () => { const g = new Future(); g.setException(new Error("awaited")); try { await g; } catch {} })();
      (() => { const h = new Future(); h.cancel(); })();
    `);
    expect(stderr).to.not.match(/never retrieved/);
  });
});

describe("ConcurrentTest (chain_future and friends)", () => {
  const ctx = useFreshLoop();

  it("copies a result, an exception and a cancellation (test_chain_future)", async () => {
    await ctx.loop.runSync(async () => {
      const a = new Future<number>();
      const b = new Future<number>();
      chainFuture(a, b);
      a.setResult(1);
      expect(await b).to.equal(1);
      const c = new Future<number>();
      const d = new Future<number>();
      chainFuture(c, d);
      c.setException(new Error("chained"));
      await d.then(undefined, () => undefined);
      expect((d.exception() as Error).message).to.equal("chained");
      const e = new Future<number>();
      const g = new Future<number>();
      chainFuture(e, g);
      e.cancel();
      await nextTurn(ctx.loop);
      await nextTurn(ctx.loop);
      expect(g.cancelled()).to.equal(true);
    });
  });

  it("chains from a promise and leaves a done target alone", async () => {
    await ctx.loop.runSync(async () => {
      const target = new Future<string>();
      chainFuture(Promise.resolve("from promise"), target);
      expect(await target).to.equal("from promise");
      const cancelledTarget = new Future<number>();
      cancelledTarget.cancel();
      const source = new Future<number>();
      chainFuture(source, cancelledTarget);
      source.setResult(1);
      await nextTurn(ctx.loop);
      await nextTurn(ctx.loop);
      expect(cancelledTarget.cancelled()).to.equal(true);
    });
  });

  it("sets results unless cancelled (test_future_set_result_unless_cancelled)", async () => {
    const f = new Future<number>();
    futureSetResultUnlessCancelled(f, 42);
    expect(f.result()).to.equal(42);
    const g = new Future<number>();
    g.cancel();
    futureSetResultUnlessCancelled(g, 42);
    expect(g.cancelled()).to.equal(true);
  });

  it("logs an exception set on a cancelled future (error_after_cancel)", async () => {
    const f = new Future<number>();
    f.cancel();
    const { records } = await captureLogs(() =>
      futureSetExceptionUnlessCancelled(f, new Error("late")),
    );
    expect(records.map((r) => r.message)).to.deep.equal(["Exception after Future was cancelled"]);
    expect((records[0].error as Error).message).to.equal("late");
    const g = new Future<number>();
    futureSetExceptionUnlessCancelled(g, new Error("in time"));
    expect((g.exception() as Error).message).to.equal("in time");
  });

  it("calls futureAddDoneCallback inline when the future is done", async () => {
    const order: string[] = [];
    const f = new Future<number>();
    f.setResult(1);
    futureAddDoneCallback(f, () => order.push("inline"));
    order.push("after");
    expect(order).to.deep.equal(["inline", "after"]);
    await ctx.loop.runSync(async () => {
      const g = new Future<number>();
      futureAddDoneCallback(g, () => order.push("later"));
      g.setResult(2);
      order.push("set");
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal(["inline", "after", "set", "later"]);
  });

  it("tells futures from promises (is_future)", () => {
    expect(isFuture(new Future())).to.equal(true);
    expect(isFuture(Promise.resolve())).to.equal(false);
    expect(isFuture({ then() {} })).to.equal(false);
  });
});

describe("RunOnExecutorTest", () => {
  const ctx = useFreshLoop();

  it("runs inline on the DummyExecutor", () => {
    const ok = dummyExecutor.submit((a: number, b: number) => a + b, 1, 2);
    expect(ok.result()).to.equal(3);
    const failed = new DummyExecutor().submit(() => {
      throw new Error("inline failure");
    });
    expect((failed.exception() as Error).message).to.equal("inline failure");
  });

  it("wraps a method with no arguments (test_call_with_no_args)", async () => {
    class Obj {
      executor: Executor = dummyExecutor;
      value = 7;
      f = runOnExecutor(function (this: Obj) {
        return this.value;
      });
    }
    const answer = await ctx.loop.runSync(() => new Obj().f());
    expect(answer).to.equal(7);
  });

  it("uses the executor named in the options (test_call_with_executor)", async () => {
    const calls: string[] = [];
    const recording: Executor = {
      submit(fn, ...args) {
        calls.push("submitted");
        return dummyExecutor.submit(fn, ...args);
      },
      async shutdown() {},
    };
    class Obj {
      _pool = recording;
      double = runOnExecutor(
        function (this: Obj, x: number): number {
          return x * 2;
        },
        { executor: "_pool" },
      );
    }
    const answer = await ctx.loop.runSync(() => new Obj().double(21));
    expect(answer).to.equal(42);
    expect(calls).to.deep.equal(["submitted"]);
  });

  it("awaits async methods (test_async_await)", async () => {
    class Obj {
      executor = dummyExecutor;
      f = runOnExecutor(async function (this: Obj, x: number): Promise<number> {
        await Promise.resolve();
        return x + 1;
      });
    }
    const fut = new Obj().f(1);
    expect(isFuture(fut)).to.equal(true);
    expect(await fut).to.equal(2);
  });

  it("fails clearly when the object has no executor", () => {
    const wrapped = runOnExecutor(function () {
      return 1;
    });
    expect(() => wrapped.call({})).to.throw(TypeError, /this.executor is not an executor/);
  });
});

describe("WorkerPoolExecutorTest", function () {
  this.timeout(20000);
  let pool: WorkerPoolExecutor;
  beforeEach(() => {
    pool = new WorkerPoolExecutor({ maxWorkers: 2 });
  });
  afterEach(async () => {
    await pool.shutdown();
  });

  it("runs a self-contained function on a worker thread", async () => {
    const id = await pool.submit(() => require("node:worker_threads").threadId as number);
    expect(id).to.be.a("number").and.not.equal(0);
    expect(await pool.submit((a: number, b: number) => a * b, 6, 7)).to.equal(42);
  });

  it("awaits async functions and carries cloneable values both ways", async () => {
    const out = await pool.submit(
      async (input: { buf: Uint8Array; when: Date }) => ({
        size: input.buf.length,
        year: input.when.getUTCFullYear(),
        map: new Map([["k", 1]]),
      }),
      { buf: new Uint8Array(4), when: new Date(Date.UTC(2020, 1, 1)) },
    );
    expect(out.size).to.equal(4);
    expect(out.year).to.equal(2020);
    expect(out.map.get("k")).to.equal(1);
  });

  it("fails the future with the function's error", async () => {
    const f = pool.submit(() => {
      throw new RangeError("worker said no");
    });
    try {
      await f;
      expect.fail("must reject");
    } catch (e) {
      expect((e as Error).message).to.equal("worker said no");
      expect((e as Error).name).to.equal("RangeError");
    }
  });

  it("rejects what cannot be sent, with a named error", async () => {
    const bound = ((x: number) => x).bind(null);
    expect(() => pool.submit(bound, 1)).to.throw(TypeError, /Cannot send .* to a worker/);
    const unclonable = pool.submit(
      (f: unknown) => typeof f,
      () => 1,
    );
    await unclonable.then(
      () => expect.fail("must reject"),
      (e: Error) => expect(e.name).to.equal("DataCloneError"),
    );
    const closure = 5;
    const usesClosure = pool.submit(() => closure);
    await usesClosure.then(
      () => expect.fail("must reject"),
      (e: Error) => expect(e).to.be.instanceOf(Error),
    );
  });

  it("accepts method shorthand", async () => {
    const holder = {
      triple(x: number): number {
        return x * 3;
      },
    };
    expect(await pool.submit(holder.triple, 5)).to.equal(15);
  });

  it("runs at most maxWorkers jobs at once and queues the rest in order", async () => {
    const started = Date.now();
    const sleepThenId = (ms: number): Promise<number> =>
      new Promise((resolve) =>
        setTimeout(() => resolve(require("node:worker_threads").threadId as number), ms),
      );
    const results = await Promise.all([1, 2, 3, 4].map(() => pool.submit(sleepThenId, 150)));
    const elapsed = Date.now() - started;
    expect(new Set(results).size).to.equal(2);
    expect(elapsed).to.be.at.least(290);
  });

  it("refuses work after shutdown", async () => {
    await pool.shutdown();
    expect(() => pool.submit(() => 1)).to.throw(RuntimeError, /after shutdown/);
  });

  it("finishes queued work before shutdown resolves", async () => {
    const f = pool.submit((ms: number) => new Promise((r) => setTimeout(() => r("late"), ms)), 50);
    await pool.shutdown();
    expect(f.done()).to.equal(true);
    expect(f.result()).to.equal("late");
  });
});
