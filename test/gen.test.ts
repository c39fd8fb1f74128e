/**
 * Tests of `gen`, named after Tornado's gen_test.py.
 */
import { expect } from "chai";
import { CancelledError, Future } from "../src/concurrent";
import {
  BadYieldError,
  Return,
  TimeoutError,
  WaitIterator,
  convertYielded,
  coroutine,
  isCoroutineFunction,
  moment,
  multi,
  multiFuture,
  sleep,
  withTimeout,
} from "../src/gen";
import { VirtualClock } from "../src/ioloop";
import { TimeoutError as UtilTimeoutError } from "../src/util";
import { captureLogs, nextTurn, useFreshLoop } from "./helpers/loop";
import { rejection } from "./helpers/assertions";

/** A Future that resolves with `value` after `seconds` on the current loop. */
function delayed<T>(seconds: number, value: T): Future<T> {
  const f = new Future<T>();
  sleep(seconds).then(() => f.setResult(value));
  return f;
}

/** A Future that fails with `error` after `seconds`. */
function failLater(seconds: number, error: Error): Future<never> {
  const f = new Future<never>();
  sleep(seconds).then(() => f.setException(error));
  return f;
}

describe("GenCoroutineTest", () => {
  const ctx = useFreshLoop();

  it("returns a Future of the generator's return value (test_sync_gen_return)", async () => {
    // eslint-disable-next-line require-yield -- a coroutine that ends before any yield
    const f = coroutine(function* () {
      return 42;
    });
    const result = f();
    expect(result).to.be.instanceOf(Future);
    expect(result.done()).to.equal(true);
    expect(result.result()).to.equal(42);
  });

  it("waits on yielded futures and resumes with their results (test_async_gen_return)", async () => {
    const f = coroutine(function* (x: number) {
      const a = (yield delayed(0.001, x)) as number;
      const b = (yield Promise.resolve(a + 1)) as number;
      return a + b;
    });
    expect(await ctx.loop.runSync(() => f(20))).to.equal(41);
  });

  it("accepts Return as Python 2 code used it (test_sync_return, test_async_return)", async () => {
    const f = coroutine(function* () {
      yield sleep(0.001);
      throw new Return("via Return");
    });
    expect(await ctx.loop.runSync(() => f())).to.equal("via Return");
    // eslint-disable-next-line require-yield -- a coroutine that ends before any yield
    const noValue = coroutine(function* () {
      throw new Return();
    });
    expect(noValue().result()).to.equal(undefined);
  });

  it("passes `this` and arguments through", async () => {
    class Counter {
      count = 1;
      add = coroutine(function* (this: Counter, n: number) {
        yield sleep(0);
        this.count += n;
        return this.count;
      });
    }
    const c = new Counter();
    expect(await ctx.loop.runSync(() => c.add(2))).to.equal(3);
  });

  it("throws a failed yield into the generator where try/catch can take it (test_exception_in_task)", async () => {
    const caught: string[] = [];
    const f = coroutine(function* () {
      try {
        yield failLater(0.001, new RangeError("inner failure"));
        caught.push("not reached");
      } catch (error) {
        caught.push((error as Error).message);
      }
      try {
        yield Promise.reject(new Error("rejected promise"));
      } catch (error) {
        caught.push((error as Error).message);
      }
      return "recovered";
    });
    expect(await ctx.loop.runSync(() => f())).to.equal("recovered");
    expect(caught).to.deep.equal(["inner failure", "rejected promise"]);
  });

  it("fails its Future with an uncaught exception (test_exception_phase1, phase2)", async () => {
    // eslint-disable-next-line require-yield -- a coroutine that ends before any yield
    const early = coroutine(function* () {
      throw new Error("before any yield");
    });
    expect((early().exception() as Error).message).to.equal("before any yield");
    const late = coroutine(function* () {
      yield sleep(0.001);
      throw new Error("after a yield");
    });
    const error = await ctx.loop.runSync(() => rejection(late()));
    expect((error as Error).message).to.equal("after a yield");
  });

  it("throws BadYieldError into the generator for an unknown yield (test_bogus_yield)", async () => {
    const f = coroutine(function* () {
      try {
        yield 42 as never;
      } catch (error) {
        return error;
      }
      return null;
    });
    const error = f().result();
    expect(error).to.be.instanceOf(BadYieldError);
    expect((error as Error).message).to.equal("yielded unknown object 42");
  });

  it("yields arrays and objects through multi (test_yield_list, test_yield_dict)", async () => {
    const f = coroutine(function* () {
      const list = (yield [delayed(0.002, "a"), Promise.resolve("b")]) as string[];
      const dict = (yield { x: delayed(0.001, 1), y: delayed(0.002, 2) }) as Record<string, number>;
      return { list, dict };
    });
    expect(await ctx.loop.runSync(() => f())).to.deep.equal({
      list: ["a", "b"],
      dict: { x: 1, y: 2 },
    });
  });

  it("consumes done futures without a loop turn and yields a turn for null (test_yield_none)", async () => {
    const order: string[] = [];
    await ctx.loop.runSync(async () => {
      const done = new Future<number>();
      done.setResult(1);
      const f = coroutine(function* () {
        yield done;
        order.push("after done future");
        yield null;
        order.push("after null");
      });
      const result = f();
      order.push("coroutine returned");
      await result;
    });
    expect(order).to.deep.equal(["after done future", "coroutine returned", "after null"]);
  });

  it("mixes with async functions both ways (test_async_await_mixed_multi_native_future)", async () => {
    const gen = coroutine(function* (x: number) {
      yield sleep(0.001);
      return x * 2;
    });
    const native = async (x: number): Promise<number> => {
      await sleep(0.001);
      return (await gen(x)) + 1;
    };
    const outer = coroutine(function* () {
      const v = (yield native(5)) as number;
      return v;
    });
    expect(await ctx.loop.runSync(() => outer())).to.equal(11);
  });

  it("wraps plain functions too (test_sync_function)", async () => {
    const plain = coroutine((x: number) => x + 1);
    expect(plain(1).result()).to.equal(2);
    const throwing = coroutine(() => {
      throw new TypeError("plain failure");
    });
    expect(throwing().exception()).to.be.instanceOf(TypeError);
    const returnsPromise = coroutine(async () => "async");
    expect(await ctx.loop.runSync(() => returnsPromise())).to.equal("async");
  });

  it("tells coroutine functions (test_is_coroutine_function)", () => {
    expect(isCoroutineFunction(coroutine(function* () {}))).to.equal(true);
    expect(isCoroutineFunction(async () => undefined)).to.equal(true);
    expect(isCoroutineFunction(() => undefined)).to.equal(false);
    expect(isCoroutineFunction(42)).to.equal(false);
  });

  it("survives a long chain of done futures without growing the stack (test_sync_gen_return deep)", async () => {
    const f = coroutine(function* () {
      let total = 0;
      for (let i = 0; i < 100000; i++) {
        const done = new Future<number>();
        done.setResult(1);
        total += (yield done) as number;
      }
      return total;
    });
    expect(f().result()).to.equal(100000);
  });

  it("stops delivering into a cancelled coroutine's Future", async () => {
    const f = coroutine(function* () {
      yield sleep(0.005);
      return "late";
    });
    await ctx.loop.runSync(async () => {
      const result = f();
      result.cancel();
      await sleep(0.01);
      expect(result.cancelled()).to.equal(true);
    });
  });
});

describe("GenMultiTest", () => {
  const ctx = useFreshLoop();

  it("waits for an array of futures (test_multi)", async () => {
    const result = await ctx.loop.runSync(() =>
      multi([delayed(0.003, 1), delayed(0.001, 2), Promise.resolve(3)]),
    );
    expect(result).to.deep.equal([1, 2, 3]);
  });

  it("waits for an object of futures (test_multi_dict)", async () => {
    const result = await ctx.loop.runSync(() =>
      multi({ foo: delayed(0.002, "f"), bar: delayed(0.001, "b") }),
    );
    expect(result).to.deep.equal({ foo: "f", bar: "b" });
  });

  it("resolves at once for empty input (test_multi_empty)", async () => {
    expect(multi([]).result()).to.deep.equal([]);
    expect(multi({}).result()).to.deep.equal({});
  });

  it("handles a future given twice (test_multi_future_duplicate)", async () => {
    const f = delayed(0.001, "dup");
    expect(await ctx.loop.runSync(() => multi([f, f]))).to.deep.equal(["dup", "dup"]);
  });

  it("waits for 2000 moments quickly (test_multi_performance)", async () => {
    const started = Date.now();
    const moments = Array.from({ length: 2000 }, () => convertYielded(moment));
    await ctx.loop.runSync(() => multi(moments));
    expect(Date.now() - started).to.be.below(1000);
  });

  it("waits for every child, then raises the first failure in order (test_multi_exceptions)", async () => {
    const slowOk = delayed(0.005, "ok");
    const { records, result } = await captureLogs(() =>
      ctx.loop.runSync(() =>
        rejection(
          multi([
            slowOk,
            failLater(0.003, new Error("error 1")),
            failLater(0.001, new Error("error 2")),
          ]),
        ),
      ),
    );
    expect((result as Error).message).to.equal("error 1");
    expect(slowOk.done()).to.equal(true);
    expect(records.map((r) => r.message)).to.deep.equal(["Multiple exceptions in yield list"]);
    expect((records[0].error as Error).message).to.equal("error 2");
  });

  it("keeps quiet about exceptions of the listed classes (test_multi_exceptions quiet)", async () => {
    const { records, result } = await captureLogs(() =>
      ctx.loop.runSync(() =>
        rejection(
          multiFuture(
            [failLater(0.001, new Error("first")), failLater(0.002, new RangeError("quiet"))],
            {
              quietExceptions: [RangeError],
            },
          ),
        ),
      ),
    );
    expect((result as Error).message).to.equal("first");
    expect(records).to.deep.equal([]);
  });

  it("refuses children that are not awaitable", () => {
    expect(() => multi([1 as never])).to.throw(BadYieldError, "yielded unknown object 1");
  });

  it("does not cancel the children when cancelled", async () => {
    const child = delayed(0.002, "child");
    await ctx.loop.runSync(async () => {
      const all = multi([child]);
      all.cancel();
      expect(await child).to.equal("child");
    });
  });
});

describe("GenMomentTest", () => {
  const ctx = useFreshLoop();

  it("interleaves two tasks that await moment (test_moment)", async () => {
    const order: string[] = [];
    const task = async (name: string): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        order.push(name);
        await moment;
      }
    };
    await ctx.loop.runSync(() => Promise.all([task("a"), task("b")]));
    expect(order.join("")).to.equal("ababababab");
  });

  it("runs awaits of plain values before the loop's next callback", async () => {
    const order: string[] = [];
    const task = async (name: string): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        order.push(name);
        await null;
      }
    };
    await ctx.loop.runSync(async () => {
      ctx.loop.addCallback(() => order.push("loop"));
      await Promise.all([task("a"), task("b")]);
    });
    // Microtasks never yield to the loop: both tasks finish before the loop callback runs,
    // where `await moment` above gave it a turn between steps.
    expect(order.join("")).to.equal("abababababloop");
  });
});

describe("GenSleepTest", () => {
  const clock = new VirtualClock(0);
  const ctx = useFreshLoop({ clock });

  it("sleeps for the given relative seconds of loop time", async () => {
    const woke = await ctx.loop.runSync(async () => {
      const sleeping = sleep(600);
      await nextTurn(ctx.loop);
      expect(sleeping.done()).to.equal(false);
      clock.advance(599);
      await nextTurn(ctx.loop);
      expect(sleeping.done()).to.equal(false);
      clock.advance(1);
      await sleeping;
      return clock.now();
    });
    expect(woke).to.be.at.least(600);
  });
});

describe("WithTimeoutTest", () => {
  const clock = new VirtualClock(1000);
  const ctx = useFreshLoop({ clock });

  it("fails with TimeoutError at the deadline (test_timeout)", async () => {
    const error = await ctx.loop.runSync(async () => {
      const never = new Future<void>();
      const waiting = rejection(withTimeout({ seconds: 0.1 }, never));
      clock.advance(0.1);
      const e = await waiting;
      expect(never.cancelled()).to.equal(false, "the inner future is left alone");
      return e;
    });
    expect(error).to.be.instanceOf(TimeoutError);
    expect(error).to.be.instanceOf(UtilTimeoutError);
    expect((error as Error).message).to.equal("Timeout");
  });

  it("reads a number as an absolute loop time (test_timeout deadline)", async () => {
    await ctx.loop.runSync(async () => {
      const never = new Future<void>();
      const waiting = withTimeout(ctx.loop.time() + 5, never);
      clock.advance(4);
      await nextTurn(ctx.loop);
      expect(waiting.done()).to.equal(false);
      clock.advance(1);
      expect(await rejection(waiting)).to.be.instanceOf(TimeoutError);
    });
  });

  it("passes the result through when in time (test_completes_before_timeout)", async () => {
    const result = await ctx.loop.runSync(async () => {
      const f = new Future<string>();
      const waiting = withTimeout({ seconds: 1 }, f);
      f.setResult("in time");
      const value = await waiting;
      expect(ctx.loop._pendingWork().timeouts).to.equal(0, "the timeout was removed");
      return value;
    });
    expect(result).to.equal("in time");
  });

  it("passes an exception through when in time (test_fails_before_timeout)", async () => {
    const error = await ctx.loop.runSync(async () => {
      const f = new Future<string>();
      const waiting = withTimeout({ seconds: 1 }, f);
      f.setException(new RangeError("early failure"));
      return rejection(waiting);
    });
    expect(error).to.be.instanceOf(RangeError);
  });

  it("works on a promise as well as a Future (test_timeout_concurrent_future)", async () => {
    await ctx.loop.runSync(async () => {
      expect(await withTimeout({ seconds: 1 }, Promise.resolve(7))).to.equal(7);
      const pending = new Promise<void>(() => undefined);
      const waiting = rejection(withTimeout({ seconds: 1 }, pending));
      clock.advance(1);
      expect(await waiting).to.be.instanceOf(TimeoutError);
    });
  });

  it("logs a failure that arrives after the timeout (test_already_resolved / late failure)", async () => {
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        const f = new Future<string>();
        const waiting = rejection(withTimeout({ seconds: 1 }, f));
        clock.advance(1);
        await waiting;
        f.setException(new Error("too late"));
        await nextTurn(ctx.loop);
        await nextTurn(ctx.loop);
      }),
    );
    expect(records).to.have.length(1);
    expect(records[0].message).to.match(/^Exception in Future .* after timeout$/);
    expect((records[0].error as Error).message).to.equal("too late");
  });

  it("keeps quiet about late failures of the listed classes (test_timeout_quiet)", async () => {
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        const f = new Future<string>();
        const waiting = rejection(
          withTimeout({ seconds: 1 }, f, { quietExceptions: [RangeError] }),
        );
        clock.advance(1);
        await waiting;
        f.setException(new RangeError("quiet"));
        await nextTurn(ctx.loop);
        await nextTurn(ctx.loop);
      }),
    );
    expect(records).to.deep.equal([]);
  });

  it("does not log a late cancellation", async () => {
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        const f = new Future<string>();
        const waiting = rejection(withTimeout({ seconds: 1 }, f));
        clock.advance(1);
        expect(await waiting).to.be.instanceOf(TimeoutError);
        f.cancel();
        await nextTurn(ctx.loop);
        await nextTurn(ctx.loop);
      }),
    );
    expect(records).to.deep.equal([]);
    expect(new CancelledError()).to.be.instanceOf(Error);
  });
});

describe("WaitIteratorTest", () => {
  const ctx = useFreshLoop();

  it("refuses the same future twice (test_fails_on_duplicate_futures)", () => {
    const f = new Future<number>();
    expect(() => new WaitIterator([f, f])).to.throw(TypeError, "You must provide unique futures");
  });

  it("is done at once when empty (test_empty_iterator)", () => {
    const it = new WaitIterator([]);
    expect(it.done()).to.equal(true);
    expect(it.currentIndex).to.equal(null);
  });

  it("gives already-done results with their indexes (test_already_done)", async () => {
    const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
    a.setResult(24);
    b.setResult(42);
    c.setResult(84);
    const seen: [unknown, number][] = [];
    await ctx.loop.runSync(async () => {
      const it = new WaitIterator([a, b, c]);
      while (!it.done()) seen.push([it.currentIndex, await it.next()].reverse() as never);
    });
    expect(seen.map(([value]) => value)).to.have.members([24, 42, 84]);
    const dict = new WaitIterator({ foo: a, bar: b });
    const keys: unknown[] = [];
    await ctx.loop.runSync(async () => {
      while (!dict.done()) {
        const value = await dict.next();
        keys.push([dict.currentIndex, value]);
      }
    });
    expect(keys).to.have.deep.members([
      ["foo", 24],
      ["bar", 42],
    ]);
  });

  it("hands out results in completion order, failures included (test_iterator)", async () => {
    const futures = [
      new Future<number>(),
      new Future<number>(),
      new Future<number>(),
      new Future<number>(),
    ];
    const seen: string[] = [];
    await ctx.loop.runSync(async () => {
      const it = new WaitIterator(futures);
      ctx.loop.callLater(0.001, () => futures[3].setResult(3));
      ctx.loop.callLater(0.002, () => futures[0].setException(new Error("zero failed")));
      ctx.loop.callLater(0.003, () => futures[2].setResult(2));
      ctx.loop.callLater(0.004, () => futures[1].setResult(1));
      while (!it.done()) {
        try {
          const value = await it.next();
          seen.push(`${it.currentIndex}=${value}`);
        } catch (error) {
          seen.push(`${it.currentIndex}!${(error as Error).message}`);
        }
        expect(it.currentFuture).to.equal(futures[Number(it.currentIndex)]);
      }
    });
    expect(seen).to.deep.equal(["3=3", "0!zero failed", "2=2", "1=1"]);
  });

  it("works with for await (test_iterator_async_await)", async () => {
    const values: number[] = [];
    await ctx.loop.runSync(async () => {
      const it = new WaitIterator([delayed(0.003, 1), delayed(0.001, 2), delayed(0.002, 3)]);
      for await (const value of it) values.push(value);
    });
    expect(values).to.deep.equal([2, 3, 1]);
  });

  it("stops for await at the first failure", async () => {
    const error = await ctx.loop.runSync(async () => {
      const slow = delayed(0.002, 1);
      const it = new WaitIterator([slow, failLater(0.001, new Error("stop here"))]);
      const got: number[] = [];
      try {
        for await (const value of it) got.push(value);
      } catch (e) {
        expect(got).to.deep.equal([]);
        await slow; // leave nothing running on the loop
        return e;
      }
      return null;
    });
    expect((error as Error).message).to.equal("stop here");
  });

  it("accepts promises", async () => {
    const values: string[] = [];
    await ctx.loop.runSync(async () => {
      for await (const v of new WaitIterator([Promise.resolve("p")])) values.push(v);
    });
    expect(values).to.deep.equal(["p"]);
  });
});
