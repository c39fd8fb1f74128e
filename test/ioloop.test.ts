/**
 * Tests of `ioloop`, named after Tornado's ioloop_test.py.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { DummyExecutor, Future, type Executor } from "../src/concurrent";
import { IOLoop, PeriodicCallback, VirtualClock } from "../src/ioloop";
import { RuntimeError, TimeoutError, timedelta } from "../src/util";
import { srcModule, stderrAfterGc } from "./helpers/gc_child";
import { captureLogs, nextTurn, realSleep, useFreshLoop } from "./helpers/loop";

describe("TestIOLoop", () => {
  const ctx = useFreshLoop();

  it("runs callbacks in the order they were added (FIFO)", async () => {
    const order: number[] = [];
    await ctx.loop.runSync(async () => {
      for (let i = 0; i < 100; i++) ctx.loop.addCallback((n: number) => order.push(n), i);
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal([...Array(100).keys()]);
  });

  it("runs callbacks added by a callback on a later turn, after timers due now", async () => {
    const order: string[] = [];
    await ctx.loop.runSync(async () => {
      ctx.loop.addCallback(() => {
        order.push("first");
        ctx.loop.addCallback(() => order.push("added during turn"));
        order.push("first ends");
      });
      ctx.loop.addCallback(() => order.push("second"));
      await realSleep(0.005);
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal(["first", "first ends", "second", "added during turn"]);
  });

  it("does not spin on callbacks that return sequences (test_add_callback_return_sequence)", async () => {
    let count = 0;
    await ctx.loop.runSync(async () => {
      const f = (): unknown[] => {
        count++;
        if (count < 10) ctx.loop.addCallback(f);
        return [];
      };
      ctx.loop.addCallback(f);
      await realSleep(0.05);
    });
    expect(count).to.equal(10);
  });

  it("wakes promptly for a callback added from outside the loop (test_add_callback_wakeup)", async () => {
    const started = ctx.loop.time();
    let ranAt = 0;
    await ctx.loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            ctx.loop.addCallback(() => {
              ranAt = ctx.loop.time();
              resolve();
            });
          }, 10);
        }),
    );
    expect(ranAt - started).to.be.within(0.005, 0.1);
  });

  it("fires timeouts in deadline order, ties in insertion order", async () => {
    const order: string[] = [];
    await ctx.loop.runSync(async () => {
      const now = ctx.loop.time();
      ctx.loop.callAt(now + 0.03, () => order.push("c"));
      ctx.loop.callAt(now + 0.01, () => order.push("a1"));
      ctx.loop.callLater(0.02, () => order.push("b"));
      ctx.loop.callAt(now + 0.01, () => order.push("a2"));
      await realSleep(0.06);
      await nextTurn(ctx.loop);
    });
    expect(order).to.deep.equal(["a1", "a2", "b", "c"]);
  });

  it("does not fire a timeout early", async () => {
    let late = -1;
    await ctx.loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          const deadline = ctx.loop.time() + 0.05;
          ctx.loop.callAt(deadline, () => {
            late = ctx.loop.time() - deadline;
            resolve();
          });
        }),
    );
    // Up to one millisecond early is the loop's stated clock resolution.
    expect(late).to.be.at.least(-0.001);
  });

  it("accepts a TimeDelta and rejects other deadlines (test_add_timeout_timedelta)", async () => {
    await ctx.loop.runSync(
      () =>
        new Promise<void>((resolve) =>
          ctx.loop.addTimeout(timedelta({ milliseconds: 5 }), resolve),
        ),
    );
    expect(() => ctx.loop.addTimeout("soon" as never, () => undefined)).to.throw(
      TypeError,
      "Unsupported deadline soon",
    );
  });

  it("passes arguments through every scheduling API (test_timeout_with_arguments)", async () => {
    const results: number[] = [];
    await ctx.loop.runSync(async () => {
      ctx.loop.addTimeout(ctx.loop.time(), (n: number) => results.push(n), 1);
      ctx.loop.addTimeout({ seconds: 0 }, (n: number) => results.push(n), 2);
      ctx.loop.callAt(ctx.loop.time(), (n: number) => results.push(n), 3);
      ctx.loop.callLater(0, (n: number) => results.push(n), 4);
      await realSleep(0.01);
      await nextTurn(ctx.loop);
    });
    expect(results).to.deep.equal([1, 2, 3, 4]);
  });

  it("removes a timeout before it fires, and is safe after (test_remove_timeout_after_fire)", async () => {
    const fired: string[] = [];
    await ctx.loop.runSync(async () => {
      const removed = ctx.loop.callLater(0.01, () => fired.push("removed"));
      const kept = ctx.loop.callLater(0.01, () => fired.push("kept"));
      ctx.loop.removeTimeout(removed);
      ctx.loop.removeTimeout(removed);
      await realSleep(0.03);
      await nextTurn(ctx.loop);
      ctx.loop.removeTimeout(kept);
      ctx.loop.removeTimeout(kept);
    });
    expect(fired).to.deep.equal(["kept"]);
  });

  it("never runs a timeout removed while it was due in the same turn (test_remove_timeout_from_timeout)", async () => {
    const fired: string[] = [];
    await ctx.loop.runSync(async () => {
      const now = ctx.loop.time();
      let second: ReturnType<IOLoop["callAt"]> | null = null;
      ctx.loop.callAt(now, () => {
        fired.push("first");
        ctx.loop.removeTimeout(second!);
      });
      second = ctx.loop.callAt(now, () => fired.push("second"));
      await realSleep(0.01);
      await nextTurn(ctx.loop);
    });
    expect(fired).to.deep.equal(["first"]);
  });

  it("does not accumulate removed timeouts (test_remove_timeout_cleanup)", async () => {
    await ctx.loop.runSync(async () => {
      for (let i = 0; i < 2000; i++) {
        ctx.loop.removeTimeout(ctx.loop.callLater(3600, () => undefined));
      }
      const pending = ctx.loop._pendingWork();
      expect(pending.timeouts).to.equal(0);
      expect((ctx.loop as unknown as { _timers: { size: number } })._timers.size).to.be.below(200);
    });
  });

  it("returns removable handles from every timeout API (test_call_later_return)", async () => {
    let fired = 0;
    await ctx.loop.runSync(async () => {
      const handles = [
        ctx.loop.addTimeout(ctx.loop.time() + 0.005, () => fired++),
        ctx.loop.callAt(ctx.loop.time() + 0.005, () => fired++),
        ctx.loop.callLater(0.005, () => fired++),
      ];
      for (const h of handles) ctx.loop.removeTimeout(h);
      await realSleep(0.02);
    });
    expect(fired).to.equal(0);
  });

  it("logs a callback's exception and keeps going (test_exception_logging)", async () => {
    const ran: string[] = [];
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        ctx.loop.addCallback(function brokenCallback() {
          throw new Error("callback failed");
        });
        ctx.loop.addCallback(() => ran.push("next"));
        await nextTurn(ctx.loop);
      }),
    );
    expect(ran).to.deep.equal(["next"]);
    expect(records).to.have.length(1);
    expect(records[0].message).to.equal("Exception in callback brokenCallback");
    expect((records[0].error as Error).message).to.equal("callback failed");
  });

  it("logs a rejection of what a callback returns (test_exception_logging_native_coro)", async () => {
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        ctx.loop.addCallback(async function asyncCallback() {
          await Promise.resolve();
          throw new Error("async failure");
        });
        const failing = new Future<void>();
        ctx.loop.addCallback(function returnsFuture() {
          return failing;
        });
        await nextTurn(ctx.loop);
        failing.setException(new Error("future failure"));
        await realSleep(0.005);
      }),
    );
    expect(records.map((r) => r.message)).to.deep.equal([
      "Exception in callback asyncCallback",
      "Exception in callback returnsFuture",
    ]);
  });

  it("logs exceptions of timeouts too", async () => {
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        ctx.loop.callLater(0, function timed() {
          throw new Error("t");
        });
        await realSleep(0.01);
        await nextTurn(ctx.loop);
      }),
    );
    expect(records.map((r) => r.message)).to.deep.equal(["Exception in callback timed"]);
  });

  it("runs spawned callbacks (test_spawn_callback)", async () => {
    let ran = false;
    await ctx.loop.runSync(async () => {
      ctx.loop.spawnCallback(() => {
        ran = true;
      });
      await nextTurn(ctx.loop);
    });
    expect(ran).to.equal(true);
  });

  it("calls back addFuture on a later turn, for futures and promises", async () => {
    const seen: unknown[] = [];
    await ctx.loop.runSync(async () => {
      const f = new Future<number>();
      ctx.loop.addFuture(f, (done) => seen.push(done.result()));
      ctx.loop.addFuture(Promise.resolve("p"), (done) => seen.push(done.result()));
      f.setResult(1);
      seen.push("set");
      await realSleep(0.005);
      await nextTurn(ctx.loop);
      await nextTurn(ctx.loop);
    });
    expect(seen[0]).to.equal("set");
    expect(seen.slice(1).sort()).to.deep.equal([1, "p"]);
  });

  it("ignores callbacks added after close (test_add_callback_while_closing)", async () => {
    const loop = new IOLoop({ makeCurrent: false });
    loop.close();
    expect(() => loop.addCallback(() => undefined)).to.not.throw();
    await loop
      .runSync(() => 1)
      .then(
        () => expect.fail("a closed loop must not run"),
        (e: Error) => expect(e).to.be.instanceOf(RuntimeError),
      );
  });

  it("refuses to close while running", async () => {
    await ctx.loop.runSync(() => {
      expect(() => ctx.loop.close()).to.throw(RuntimeError, "Cannot close a running event loop");
    });
  });

  it("closes registered objects with close({allFds: true}) (test_close_file_object)", () => {
    const loop = new IOLoop({ makeCurrent: false });
    let closed = 0;
    loop._registerCloseable({ close: () => closed++ });
    const unregister = loop._registerCloseable({ close: () => (closed += 10) });
    unregister();
    loop.close({ allFds: true });
    expect(closed).to.equal(1);
  });

  it("refuses a nested start (test_reentrant)", async () => {
    await ctx.loop.runSync(async () => {
      let error: unknown;
      await ctx.loop.start().catch((e) => (error = e));
      expect(error).to.be.instanceOf(RuntimeError);
      expect((error as Error).message).to.equal("This event loop is already running");
    });
  });

  it("refuses to run a second loop while one runs", async () => {
    const other = new IOLoop({ makeCurrent: false });
    await ctx.loop.runSync(async () => {
      await other
        .runSync(() => 1)
        .then(
          () => expect.fail("must refuse"),
          (e: Error) => expect(e.message).to.match(/another loop is running/),
        );
    });
    other.close();
  });

  it("runs start() until stop() and can start again", async () => {
    const order: string[] = [];
    ctx.loop.addCallback(() => {
      order.push("ran");
      ctx.loop.stop();
    });
    await ctx.loop.start();
    expect(ctx.loop.isRunning()).to.equal(false);
    ctx.loop.addCallback(() => {
      order.push("again");
      ctx.loop.stop();
    });
    await ctx.loop.start();
    expect(order).to.deep.equal(["ran", "again"]);
  });

  it("queues callbacks while stopped and runs them on the next start", async () => {
    const order: string[] = [];
    ctx.loop.addCallback(() => order.push("queued"));
    await realSleep(0.01);
    expect(order).to.deep.equal([]);
    await ctx.loop.runSync(() => nextTurn(ctx.loop));
    expect(order).to.deep.equal(["queued"]);
  });
});

describe("TestIOLoopCurrent", () => {
  afterEach(() => IOLoop.clearCurrent());

  it("makes a new loop current by default (test_force_current)", () => {
    const loop = new IOLoop();
    expect(IOLoop.current()).to.equal(loop);
    loop.close();
    expect(IOLoop.current({ instance: false })).to.equal(null);
  });

  it("is current only while running when made with makeCurrent false (test_non_current)", async () => {
    IOLoop.clearCurrent();
    const loop = new IOLoop({ makeCurrent: false });
    expect(IOLoop.current({ instance: false })).to.equal(null);
    await loop.runSync(() => {
      expect(IOLoop.current()).to.equal(loop);
    });
    expect(IOLoop.current({ instance: false })).to.equal(null);
    loop.close();
  });

  it("creates a loop on demand (current with instance)", () => {
    IOLoop.clearCurrent();
    const made = IOLoop.current();
    expect(made).to.be.instanceOf(IOLoop);
    expect(IOLoop.current()).to.equal(made);
    made.close();
  });

  it("clears without a current loop (test_clear_without_current)", () => {
    IOLoop.clearCurrent();
    expect(() => IOLoop.clearCurrent()).to.not.throw();
  });
});

describe("TestIOLoopRunSync", () => {
  const ctx = useFreshLoop();

  it("returns a plain function's result (test_sync_result)", async () => {
    expect(await ctx.loop.runSync(() => 42)).to.equal(42);
  });

  it("rejects with a plain function's exception (test_sync_exception)", async () => {
    const error = new Error("sync");
    await ctx.loop
      .runSync(() => {
        throw error;
      })
      .then(
        () => expect.fail("must reject"),
        (e) => expect(e).to.equal(error),
      );
  });

  it("returns an async function's result (test_async_result, test_native_coroutine)", async () => {
    const answer = await ctx.loop.runSync(async () => {
      await new Promise<void>((resolve) => ctx.loop.callLater(0.001, resolve));
      return "async";
    });
    expect(answer).to.equal("async");
  });

  it("rejects with an async function's exception (test_async_exception)", async () => {
    await ctx.loop
      .runSync(async () => {
        await nextTurn(ctx.loop);
        throw new RangeError("async failure");
      })
      .then(
        () => expect.fail("must reject"),
        (e: Error) => expect(e).to.be.instanceOf(RangeError),
      );
  });

  it("settles with a returned Future", async () => {
    const answer = await ctx.loop.runSync(() => {
      const f = new Future<string>();
      ctx.loop.callLater(0.001, () => f.setResult("future"));
      return f;
    });
    expect(answer).to.equal("future");
  });

  it("makes the loop current while it runs (test_current)", async () => {
    const other = new IOLoop();
    await ctx.loop.runSync(() => {
      expect(IOLoop.current()).to.equal(ctx.loop);
    });
    other.close();
  });

  it("rejects with TimeoutError and cancels a Future (test_timeout)", async () => {
    const f = new Future<void>();
    const started = ctx.loop.time();
    await ctx.loop
      .runSync(() => f, { timeout: 0.05 })
      .then(
        () => expect.fail("must time out"),
        (e: Error) => {
          expect(e).to.be.instanceOf(TimeoutError);
          expect(e.message).to.equal("Operation timed out after 0.05 seconds");
        },
      );
    expect(ctx.loop.time() - started).to.be.within(0.045, 1);
    expect(f.cancelled()).to.equal(true);
    expect(ctx.loop.isRunning()).to.equal(false);
  });

  it("times out a promise and leaves its remaining work unrun", async () => {
    let reachedEnd = false;
    await ctx.loop
      .runSync(
        async () => {
          await new Promise<void>((resolve) => ctx.loop.callLater(10, resolve));
          reachedEnd = true;
        },
        { timeout: 0.02 },
      )
      .catch((e) => expect(e).to.be.instanceOf(TimeoutError));
    await realSleep(0.02);
    expect(reachedEnd).to.equal(false);
    // The abandoned function's timeout is still queued (and would resume it if the loop
    // ran again); closing the loop drops it.
    expect(ctx.loop._pendingWork().timeouts).to.equal(1);
    ctx.loop.close();
  });

  it("runs again normally after a run that timed out", async () => {
    const slow = new Future<void>();
    await ctx.loop
      .runSync(() => slow, { timeout: 0.01 })
      .catch((e) => {
        expect(e).to.be.instanceOf(TimeoutError);
      });
    // The timed-out run left its future's callbacks queued; they must not end this run.
    const answer = await ctx.loop.runSync(async () => {
      await new Promise<void>((resolve) => ctx.loop.callLater(0.02, resolve));
      return "second run";
    });
    expect(answer).to.equal("second run");
  });

  it("rejects when stopped before the result is ready (test_stop_no_timeout)", async () => {
    await ctx.loop
      .runSync(async () => {
        ctx.loop.stop();
        await new Future<void>();
      })
      .then(
        () => expect.fail("must reject"),
        (e: Error) => {
          expect(e).to.be.instanceOf(RuntimeError);
          expect(e.message).to.equal("Event loop stopped before Future completed.");
        },
      );
  });

  it("refuses to run on a loop that is running", async () => {
    await ctx.loop.runSync(async () => {
      await ctx.loop
        .runSync(() => 1)
        .then(
          () => expect.fail("must refuse"),
          (e: Error) => expect(e.message).to.equal("This event loop is already running"),
        );
    });
  });
});

describe("TestIOLoopProcessExit", function () {
  this.timeout(30000);

  function runScript(body: string): { status: number | null; stdout: string; ms: number } {
    const script = `
      require("ts-node/register/transpile-only");
      const { IOLoop } = require(${JSON.stringify(path.resolve(__dirname, "../src/ioloop"))});
      ${body}
    `;
    const started = Date.now();
    const child = spawnSync(process.execPath, ["-e", script], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
      timeout: 20000,
    });
    return { status: child.status, stdout: child.stdout, ms: Date.now() - started };
  }

  it("exits by itself right after runSync(main)", () => {
    const out = runScript(`
      const loop = IOLoop.current();
      loop.callLater(3600, () => console.log("never"));
      loop.runSync(async () => {
        await new Promise((r) => loop.callLater(0.01, r));
        return "main done";
      }).then((v) => console.log(v));
    `);
    expect(out.status).to.equal(0);
    expect(out.stdout.trim()).to.equal("main done");
  });

  it("exits by itself after a runSync timeout", () => {
    const out = runScript(`
      IOLoop.current().runSync(() => new Promise(() => {}), { timeout: 0.05 })
        .catch((e) => console.log(e.name));
    `);
    expect(out.status).to.equal(0);
    expect(out.stdout.trim()).to.equal("TimeoutError");
  });

  it("keeps the process alive while running, even with nothing scheduled", () => {
    const out = runScript(`
      const loop = IOLoop.current();
      setTimeout(() => { console.log("outside"); loop.addCallback(() => loop.stop()); }, 200).unref();
      loop.start().then(() => console.log("stopped"));
    `);
    expect(out.status).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal(["outside", "stopped"]);
  });
});

describe("TestIOLoopFutures (executors)", function () {
  this.timeout(20000);
  const ctx = useFreshLoop();

  it("runs a CPU-bound function on the default executor while the loop keeps ticking", async () => {
    let ticks = 0;
    const total = await ctx.loop.runSync(async () => {
      const ticker = new PeriodicCallback(() => ticks++, 10);
      ticker.start();
      const busyLoop = (ms: number): number => {
        const end = Date.now() + ms;
        let n = 0;
        while (Date.now() < end) n++;
        return n;
      };
      const n = await ctx.loop.runInExecutor(null, busyLoop, 300);
      ticker.stop();
      return n;
    });
    expect(total).to.be.above(0);
    // 300 ms of work at a 10 ms period: the loop was free to tick throughout.
    expect(ticks).to.be.at.least(15);
  });

  it("runs two executor jobs in parallel (test_run_in_executor_native)", async () => {
    const started = Date.now();
    await ctx.loop.runSync(async () => {
      const sleeper = (ms: number): Promise<number> =>
        new Promise((resolve) => setTimeout(() => resolve(ms), ms));
      await Promise.all([
        ctx.loop.runInExecutor(null, sleeper, 200),
        ctx.loop.runInExecutor(null, sleeper, 200),
      ]);
    });
    expect(Date.now() - started).to.be.below(390);
  });

  it("uses the executor given to setDefaultExecutor (test_set_default_executor)", async () => {
    const used: string[] = [];
    class Recording extends DummyExecutor implements Executor {
      override submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A) {
        used.push("mine");
        return super.submit(fn, ...args);
      }
    }
    ctx.loop.setDefaultExecutor(new Recording());
    const answer = await ctx.loop.runSync(() =>
      ctx.loop.runInExecutor(null, (x: number) => x + 1, 1),
    );
    expect(answer).to.equal(2);
    expect(used).to.deep.equal(["mine"]);
  });
});

describe("TestPeriodicCallbackMath", () => {
  const ctx = useFreshLoop();
  interface Internals {
    _nextTimeout: number;
    _updateNext(now: number): void;
    _random: () => number;
  }

  /** Tornado's simulate_calls: each duration is how long a run took (negative: clock went back). */
  function simulateCalls(pc: PeriodicCallback, durations: number[]): number[] {
    const internals = pc as unknown as Internals;
    const calls: number[] = [];
    let now = 1000;
    internals._nextTimeout = now;
    for (const d of durations) {
      internals._updateNext(now);
      calls.push(internals._nextTimeout);
      now = internals._nextTimeout + d;
    }
    return calls;
  }

  it("is due every period (test_basic)", () => {
    const pc = new PeriodicCallback(() => undefined, 10000);
    expect(simulateCalls(pc, [0, 0, 0, 0, 0])).to.deep.equal([1010, 1020, 1030, 1040, 1050]);
    void ctx;
  });

  it("skips the runs an overrun missed (test_overrun)", () => {
    const pc = new PeriodicCallback(() => undefined, 10000);
    const durations = [9, 9, 10, 11, 20, 20, 35, 35, 0, 0, 0];
    expect(simulateCalls(pc, durations)).to.deep.equal([
      1010, 1020, 1030, 1050, 1070, 1100, 1130, 1170, 1210, 1220, 1230,
    ]);
  });

  it("ignores a clock that moves backwards (test_clock_backwards)", () => {
    const pc = new PeriodicCallback(() => undefined, 10000);
    expect(simulateCalls(pc, [-2, -1, -3, -2, 0])).to.deep.equal([1010, 1020, 1030, 1040, 1050]);
    expect(simulateCalls(pc, [-100, 0, 0])).to.deep.equal([1010, 1020, 1030]);
  });

  it("spreads runs with jitter (test_jitter)", () => {
    const randoms = [0.5, 1, 0, 0.75];
    const pc = new PeriodicCallback(() => undefined, 10000, 0.5);
    (pc as unknown as Internals)._random = () => randoms.shift() as number;
    expect(simulateCalls(pc, [0, 0, 0, 0])).to.deep.equal([1010, 1022.5, 1030, 1041.25]);
  });

  it("takes a TimeDelta period (test_timedelta)", () => {
    const pc = new PeriodicCallback(() => undefined, timedelta({ minutes: 1, seconds: 23 }));
    expect(pc.callbackTime).to.equal(83000);
  });

  it("refuses a period that is not positive", () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => new PeriodicCallback(() => undefined, bad)).to.throw(
        RangeError,
        "Periodic callback must have a positive callback_time",
      );
    }
  });
});

describe("TestPeriodicCallback (on a running loop)", () => {
  const ctx = useFreshLoop();

  it("runs about once per period (test_periodic_plain)", async () => {
    let calls = 0;
    await ctx.loop.runSync(async () => {
      const pc = new PeriodicCallback(() => calls++, 10);
      expect(pc.isRunning()).to.equal(false);
      pc.start();
      expect(pc.isRunning()).to.equal(true);
      await realSleep(0.105);
      pc.stop();
      expect(pc.isRunning()).to.equal(false);
    });
    expect(calls).to.be.within(7, 11);
  });

  it("waits for an async callback before the next run (test_periodic_async)", async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    await ctx.loop.runSync(async () => {
      const pc = new PeriodicCallback(async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => ctx.loop.callLater(0.025, resolve));
        active--;
      }, 10);
      pc.start();
      await realSleep(0.2);
      pc.stop();
      // Let a run in progress finish: stop() only prevents the next one.
      await new Promise<void>((resolve) => ctx.loop.callLater(0.03, resolve));
      expect(active).to.equal(0);
    });
    expect(maxActive).to.equal(1);
    // 25 ms runs on a 10 ms grid start every 30 ms: no overlap, no burst.
    expect(calls).to.be.within(4, 8);
  });

  it("logs a failing run and keeps running", async () => {
    let calls = 0;
    const { records } = await captureLogs(() =>
      ctx.loop.runSync(async () => {
        const pc = new PeriodicCallback(function flaky() {
          calls++;
          throw new Error("tick failed");
        }, 5);
        pc.start();
        await realSleep(0.04);
        pc.stop();
      }),
    );
    expect(calls).to.be.at.least(3);
    expect(records.length).to.equal(calls);
    expect(records[0].message).to.equal("Exception in callback flaky");
  });
});

describe("TestPeriodicCallbackVirtualTime", () => {
  const clock = new VirtualClock(1000);
  const ctx = useFreshLoop({ clock });

  it("skips the runs a slow callback missed, on a virtual clock", async () => {
    const runTimes: number[] = [];
    const durations = [9, 9, 10, 11, 20, 20, 35, 35, 0, 0, 0];
    await ctx.loop.runSync(async () => {
      const start = clock.now();
      let finished = false;
      const pc = new PeriodicCallback(() => {
        runTimes.push(clock.now() - start);
        const d = durations.shift();
        if (d === undefined) {
          pc.stop();
          finished = true;
        } else {
          clock.advance(d); // the run "takes" d seconds
        }
      }, 10000);
      pc.start();
      // Drive time: whenever the loop is idle, jump to the next deadline.
      while (!finished) {
        await nextTurn(ctx.loop);
        const deadlines = ctx.loop._pendingWork().handles.map((h) => h.deadline);
        if (deadlines.length > 0) clock.advance(Math.max(0, Math.min(...deadlines) - clock.now()));
      }
    });
    expect(runTimes).to.deep.equal([10, 20, 30, 50, 70, 100, 130, 170, 210, 220, 230, 240]);
  });

  it("runs an hour-long timeout at once when the clock is advanced", async () => {
    const started = Date.now();
    const firedAt = await ctx.loop.runSync(
      () =>
        new Promise<number>((resolve) => {
          ctx.loop.callLater(3600, () => resolve(clock.now()));
          clock.advance(1800);
          clock.advance(1800);
        }),
    );
    expect(firedAt).to.be.at.least(3600);
    expect(Date.now() - started).to.be.below(1000);
  });
});

describe("TestIOLoop (removed timeouts and memory)", () => {
  for (const [how, schedule] of [
    ["callAt", "loop.callAt(loop.time() + 3600, () => payload)"],
    ["callLater", "loop.callLater(3600, () => payload)"],
  ] as const) {
    it(`lets go of a removed ${how} timeout's callback at once`, function () {
      // A handle that waits in the heap stays there until the heap is rebuilt; what its
      // callback refers to (an HTTP fetch, say) must be free before that.
      this.timeout(30000);
      const stderr = stderrAfterGc(`
        const { IOLoop } = require(${srcModule("ioloop")});
        const loop = new IOLoop({ makeCurrent: false });
        const kept = [loop.callAt(loop.time() + 7200, () => undefined)];
        let ref;
        (() => {
          const payload = { big: new Array(10000).fill(1) };
          ref = new WeakRef(payload);
          const handle = ${schedule};
          kept.push(handle);
          loop.removeTimeout(handle);
        })();
        for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); global.gc(); }
        console.error(ref.deref() === undefined ? "collected" : "still referenced");
        loop.close();
      `);
      expect(stderr).to.contain("collected");
    });
  }
});

describe("TimerHeap (the loop's timeout queue)", () => {
  // Internal, but the loop's ordering rests on it: check it against a plain sorted model.
  const { TimerHeap } =
    require("../src/ioloop/_timer_heap") as typeof import("../src/ioloop/_timer_heap");

  /** A small deterministic generator, so a failure can be replayed. */
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`fires in (deadline, insertion) order under random add/remove/pop (seed ${seed})`, () => {
      const random = lcg(seed);
      const heap = new TimerHeap();
      const model: { deadline: number; seq: number; cancelled: boolean; id: number }[] = [];
      const handles = new Map<number, ReturnType<typeof heap.push>>();
      let now = 0;
      let nextId = 0;
      const fired: number[] = [];
      const expected: number[] = [];
      for (let step = 0; step < 20000; step++) {
        const r = random();
        if (r < 0.5) {
          const id = nextId++;
          // Mostly a few shared delays (lists), sometimes absolute deadlines (heap).
          const delays = [0.001, 0.005, 0.01, 1];
          const useDelay = random() < 0.8;
          const delay = delays[Math.floor(random() * delays.length)];
          const deadline = useDelay ? now + delay : now + random() * 0.02;
          handles.set(
            id,
            heap.push(deadline, () => id, undefined, useDelay ? delay : undefined),
          );
          model.push({ deadline, seq: id, cancelled: false, id });
        } else if (r < 0.7 && handles.size > 0) {
          const ids = [...handles.keys()];
          const id = ids[Math.floor(random() * ids.length)];
          heap.cancel(handles.get(id)!);
          handles.delete(id);
          model.find((m) => m.id === id)!.cancelled = true;
        } else {
          now += random() * 0.004;
          if (random() < 0.05) now -= 0.003; // a virtual clock moving back
          for (let h = heap.popDue(now); h; h = heap.popDue(now)) {
            fired.push(h._callback() as number);
            handles.delete(h._callback() as number);
          }
          const due = model
            .filter((m) => !m.cancelled && m.deadline <= now)
            .sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
          for (const m of due) {
            expected.push(m.id);
            m.cancelled = true;
          }
          expect(fired).to.deep.equal(expected);
        }
      }
      expect(heap.pending().length).to.equal(handles.size);
      expect(heap.size).to.be.at.least(handles.size);
    });
  }

  it("unlinks a removed handle that waits behind its list's head", () => {
    const heap = new TimerHeap();
    const a = heap.push(1, () => "a", undefined, 1);
    const b = heap.push(2, () => "b", undefined, 1);
    const c = heap.push(3, () => "c", undefined, 1);
    heap.cancel(b);
    expect(heap.size).to.equal(2);
    heap.cancel(a);
    const order: unknown[] = [];
    for (let h = heap.popDue(10); h; h = heap.popDue(10)) order.push(h._callback());
    expect(order).to.deep.equal(["c"]);
    expect(heap.size).to.equal(0);
    heap.cancel(c);
    heap.cancel(c);
    expect(heap.size).to.equal(0);
  });
});
