/**
 * Tests of `locks`, named after Tornado's locks_test.py.
 *
 * Every loop runs on a VirtualClock: timeouts fire when a test moves the clock, so waits
 * of "10 ms" are exact and instant. Done-callbacks run on the loop turn after the future
 * is settled (asyncio's rule), so where Tornado calls `loop_briefly()` these tests wait
 * one turn; `await` resumes on the microtask queue, sooner than a turn.
 */
import { expect } from "chai";
import { types } from "node:util";
import { CancelledError, type Future } from "../src/concurrent";
import { BoundedSemaphore, Condition, Event, Lock, Releaser, Semaphore } from "../src/locks";
import { RuntimeError, TimeoutError } from "../src/util";
import { stderrAfterGc, srcModule } from "./helpers/gc_child";
import { useVirtualLoop } from "./helpers/loop";

/** The length of an object's private line of waiters (Tornado's tests read `_waiters`). */
function waiterCount(obj: object): number {
  return (obj as unknown as { _waiters: { length: number } })._waiters.length;
}

/** What a Future settled with: its result, or the class name of its error. */
function outcome(future: Future<unknown>): unknown {
  if (!future.done()) return "pending";
  const error = future.exception();
  return error === undefined ? future.result() : (error as Error).name;
}

describe("ConditionTest", () => {
  const t = useVirtualLoop();
  let history: unknown[];
  beforeEach(() => {
    history = [];
  });

  /** Records in `history` how a wait ended: its key if notified, "timeout" otherwise. */
  function recordDone(future: Future<boolean>, key: unknown): void {
    future.addDoneCallback((done) => history.push(done.result() ? key : "timeout"));
  }

  it("shows its waiters in toString only while there are some (test_repr)", () => {
    const c = new Condition();
    expect(String(c)).to.equal("<Condition>");
    void c.wait();
    expect(String(c)).to.equal("<Condition waiters[1]>");
    c.notify();
    expect(String(c)).to.equal("<Condition>");
  });

  it("resolves wait() with true when notified later (test_notify)", async () => {
    const result = await t.run(async () => {
      const c = new Condition();
      t.loop.callLater(0.01, () => c.notify());
      const wait = c.wait();
      await t.sleep(0.01);
      expect(wait.done()).to.equal(true);
      return wait;
    });
    expect(result).to.equal(true);
  });

  it("wakes one waiter per notify(1), oldest first (test_notify_1)", async () => {
    await t.run(async () => {
      const c = new Condition();
      recordDone(c.wait(), "wait1");
      recordDone(c.wait(), "wait2");
      c.notify(1);
      await t.turn();
      history.push("notify1");
      c.notify(1);
      await t.turn();
      history.push("notify2");
    });
    expect(history).to.deep.equal(["wait1", "notify1", "wait2", "notify2"]);
  });

  it("wakes n waiters per notify(n) in the order they waited (test_notify_n)", async () => {
    await t.run(async () => {
      const c = new Condition();
      for (let i = 0; i < 6; i++) recordDone(c.wait(), i);
      c.notify(3);
      await t.turn();
      expect(history).to.deep.equal([0, 1, 2]);
      c.notify(1);
      await t.turn();
      expect(history).to.deep.equal([0, 1, 2, 3]);
      c.notify(2);
      await t.turn();
      expect(history).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(waiterCount(c)).to.equal(0);
    });
  });

  it("wakes every waiter, in order, on notifyAll (test_notify_all)", async () => {
    await t.run(async () => {
      const c = new Condition();
      for (let i = 0; i < 4; i++) recordDone(c.wait(), i);
      c.notifyAll();
      await t.turn();
      history.push("notify_all");
    });
    expect(history).to.deep.equal([0, 1, 2, 3, "notify_all"]);
  });

  it("resolves wait() with false at its deadline; a later notify is no use (test_wait_timeout)", async () => {
    await t.run(async () => {
      const c = new Condition();
      const wait = c.wait({ seconds: 0.01 });
      t.loop.callLater(0.02, () => c.notify()); // Too late.
      await t.sleep(0.01);
      expect(wait.done()).to.equal(true);
      await t.sleep(0.02);
      expect(await wait).to.equal(false);
    });
  });

  it("takes an absolute deadline as a number", async () => {
    await t.run(async () => {
      const c = new Condition();
      const wait = c.wait(t.loop.time() + 5);
      await t.sleep(4.99);
      expect(wait.done()).to.equal(false);
      await t.sleep(0.01);
      expect(await wait).to.equal(false);
    });
  });

  it("lets a notify before the deadline preempt the timeout (test_wait_timeout_preempted)", async () => {
    await t.run(async () => {
      const c = new Condition();
      t.loop.callLater(0.01, () => c.notify()); // Fires before the wait times out.
      const wait = c.wait({ seconds: 0.02 });
      await t.sleep(0.01);
      expect(wait.result()).to.equal(true);
      // The waiter's timeout is gone from the loop, not just ignored when it fires.
      expect(t.loop._pendingWork().timeouts).to.equal(0);
      await t.sleep(0.02);
      expect(await wait).to.equal(true);
    });
  });

  it("does not count a timed-out waiter against notify(n) (test_notify_n_with_timeout)", async () => {
    await t.run(async () => {
      const c = new Condition();
      recordDone(c.wait(), 0);
      recordDone(c.wait({ seconds: 0.01 }), 1);
      recordDone(c.wait(), 2);
      recordDone(c.wait(), 3);
      await t.sleep(0.02); // Waiter 1 times out.
      expect(history).to.deep.equal(["timeout"]);
      c.notify(2);
      await t.sleep(0.01);
      expect(history).to.deep.equal(["timeout", 0, 2]);
      c.notify();
      await t.turn();
      expect(history).to.deep.equal(["timeout", 0, 2, 3]);
    });
  });

  it("skips timed-out waiters in notifyAll (test_notify_all_with_timeout)", async () => {
    await t.run(async () => {
      const c = new Condition();
      recordDone(c.wait(), 0);
      recordDone(c.wait({ seconds: 0.01 }), 1);
      recordDone(c.wait(), 2);
      await t.sleep(0.02);
      expect(history).to.deep.equal(["timeout"]);
      c.notifyAll();
      await t.turn();
      expect(history).to.deep.equal(["timeout", 0, 2]);
    });
  });

  it("loses no notification when a waiter's callback notifies again (test_nested_notify)", async () => {
    await t.run(async () => {
      const c = new Condition();
      const futures = [c.wait(), c.wait(), c.wait()];
      futures[1].addDoneCallback(() => c.notify());
      c.notify(2);
      expect(futures.map((f) => f.done())).to.deep.equal([true, true, false]);
      await t.turn();
      expect(futures.map((f) => f.done())).to.deep.equal([true, true, true]);
    });
  });

  it("takes timed-out waiters out of the line: 102 waiters become 1 (test_garbage_collection)", async () => {
    await t.run(async () => {
      const c = new Condition();
      const timed: Future<boolean>[] = [];
      for (let i = 0; i < 101; i++) timed.push(c.wait({ seconds: 0.01 }));
      const future = c.wait();
      expect(waiterCount(c)).to.equal(102);
      await t.sleep(0.02);
      expect(waiterCount(c)).to.equal(1);
      expect(timed.every((f) => f.result() === false)).to.equal(true);
      expect(future.done()).to.equal(false); // The last waiter is still active.
      c.notify();
      expect(future.done()).to.equal(true);
    });
  });

  it("takes a cancelled waiter out of the line, so it does not use up a notify", async () => {
    await t.run(async () => {
      const c = new Condition();
      const first = c.wait({ seconds: 10 });
      const second = c.wait();
      expect(first.cancel()).to.equal(true);
      expect(waiterCount(c)).to.equal(1);
      expect(t.loop._pendingWork().timeouts).to.equal(0);
      c.notify();
      expect(second.result()).to.equal(true);
      let error: unknown;
      await first.then(undefined, (e: unknown) => (error = e));
      expect(error).to.be.instanceOf(CancelledError);
    });
  });

  it("times out a zero deadline on the next turn, not at once", async () => {
    await t.run(async () => {
      const c = new Condition();
      const relative = c.wait({ seconds: 0 });
      const absolute = c.wait(t.loop.time());
      expect([relative.done(), absolute.done()]).to.deep.equal([false, false]);
      await t.turn();
      expect([relative.result(), absolute.result()]).to.deep.equal([false, false]);
      expect(waiterCount(c)).to.equal(0);
    });
  });

  it("rejects a timeout that is not a deadline, without queueing a waiter", () => {
    const c = new Condition();
    expect(() => c.wait("soon" as never)).to.throw(TypeError, "Unsupported deadline soon");
    expect(waiterCount(c)).to.equal(0);
  });

  it("resumes an awaiting task on the microtask queue and done-callbacks on the next turn", async () => {
    const order = await t.run(async () => {
      const c = new Condition();
      const events: string[] = [];
      const wait = c.wait();
      wait.addDoneCallback(() => events.push("done-callback"));
      const task = (async () => {
        await wait;
        events.push("await resumed");
      })();
      c.notify();
      t.loop.addCallback(() => events.push("next turn"));
      events.push("after notify");
      await t.turn();
      await task;
      return events;
    });
    // The done-callback was scheduled by notify(), before "next turn" was added.
    expect(order).to.deep.equal(["after notify", "await resumed", "done-callback", "next turn"]);
  });
});

describe("EventTest", () => {
  const t = useVirtualLoop();

  it("shows set or clear in toString (test_repr)", () => {
    const e = new Event();
    expect(String(e)).to.equal("<Event clear>");
    e.set();
    expect(String(e)).to.equal("<Event set>");
  });

  it("resolves waiters on set and blocks again after clear (test_event)", () => {
    const e = new Event();
    const future0 = e.wait();
    e.set();
    const future1 = e.wait();
    e.clear();
    const future2 = e.wait();
    expect([future0.done(), future1.done(), future2.done()]).to.deep.equal([true, true, false]);
    expect(e.isSet()).to.equal(false);
  });

  it("rejects with TimeoutError at the deadline, then works normally (test_event_timeout)", async () => {
    await t.run(async () => {
      const e = new Event();
      const timed = e.wait({ seconds: 0.01 });
      await t.sleep(0.01);
      let error: unknown;
      await timed.then(undefined, (err: unknown) => (error = err));
      expect(error).to.be.instanceOf(TimeoutError);
      expect((error as Error).message).to.equal("Timeout in Event.wait");
      expect(waiterCount(e)).to.equal(0);
      // After a timed-out waiter, normal operation works.
      t.loop.addTimeout({ seconds: 0.01 }, () => e.set());
      const next = e.wait({ seconds: 1 });
      await t.sleep(0.01);
      expect(next.done()).to.equal(true);
      await next;
    });
  });

  it("stays set when set twice (test_event_set_multiple)", () => {
    const e = new Event();
    e.set();
    e.set();
    expect(e.isSet()).to.equal(true);
  });

  it("wakes waiters from before and after a clear (test_event_wait_clear)", () => {
    const e = new Event();
    const f0 = e.wait();
    e.clear();
    const f1 = e.wait();
    e.set();
    expect([f0.done(), f1.done()]).to.deep.equal([true, true]);
  });

  it("never wakes a waiter that timed out, even when set later", async () => {
    await t.run(async () => {
      const e = new Event();
      const timed = e.wait({ seconds: 0.01 });
      const patient = e.wait();
      await t.sleep(0.01);
      e.set();
      expect(outcome(timed)).to.equal("TimeoutError");
      expect(outcome(patient)).to.equal(undefined);
    });
  });
});

describe("SemaphoreTest", () => {
  const t = useVirtualLoop();

  it("refuses a negative or non-numeric initial value (test_negative_value)", () => {
    expect(() => new Semaphore(-1)).to.throw(RangeError, "semaphore initial value must be >= 0");
    expect(() => new Semaphore("2" as never)).to.throw(TypeError);
    expect(() => new Semaphore(NaN)).to.throw(TypeError);
    expect(() => new Semaphore(0)).not.to.throw();
  });

  it("shows its state and waiters in toString (test_repr)", () => {
    const sem = new Semaphore();
    expect(String(sem)).to.equal("<Semaphore [unlocked,value:1]>");
    void sem.acquire();
    expect(String(sem)).to.equal("<Semaphore [locked]>");
    void sem.acquire();
    expect(String(sem)).to.equal("<Semaphore [locked,waiters:1]>");
  });

  it("acquires at once while the count allows, then in FIFO order on release (test_acquire)", () => {
    const sem = new Semaphore();
    const f0 = sem.acquire();
    expect(f0.done()).to.equal(true);
    expect(f0.result()).to.be.instanceOf(Releaser);
    const f1 = sem.acquire();
    expect(f1.done()).to.equal(false);
    const f2 = sem.acquire();
    sem.release();
    expect([f1.done(), f2.done()]).to.deep.equal([true, false]);
    sem.release();
    expect(f2.done()).to.equal(true);
    sem.release();
    expect(sem.acquire().done()).to.equal(true); // Now acquire() is instant.
    expect(waiterCount(sem)).to.equal(0);
  });

  it("rejects a late acquire with TimeoutError and keeps the count (test_acquire_timeout)", async () => {
    await t.run(async () => {
      const sem = new Semaphore(2);
      await sem.acquire();
      await sem.acquire();
      const acquire = sem.acquire({ seconds: 0.01 });
      t.loop.callLater(0.02, () => sem.release()); // Too late.
      await t.sleep(0.3);
      expect(outcome(acquire)).to.equal("TimeoutError");
      expect((acquire.exception() as Error).message).to.equal("Timeout in Semaphore.acquire");
      // The release went to the counter, not to the timed-out waiter.
      expect(sem.acquire().done()).to.equal(true);
      const f = sem.acquire();
      expect(f.done()).to.equal(false);
      sem.release();
      expect(f.done()).to.equal(true);
    });
  });

  it("lets a release before the deadline preempt the timeout (test_acquire_timeout_preempted)", async () => {
    await t.run(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      t.loop.callLater(0.01, () => sem.release());
      const acquire = sem.acquire({ seconds: 0.02 });
      await t.sleep(0.03);
      expect(await acquire).to.be.instanceOf(Releaser); // No TimeoutError.
    });
  });

  it("lets unbounded releases raise the count (test_release_unacquired)", () => {
    const sem = new Semaphore();
    sem.release();
    sem.release();
    // Now the counter is 3.
    expect([sem.acquire(), sem.acquire(), sem.acquire()].every((f) => f.done())).to.equal(true);
    expect(sem.acquire().done()).to.equal(false);
  });

  it("takes timed-out waiters out of the line: 102 waiters become 1 (test_garbage_collection)", async () => {
    await t.run(async () => {
      const sem = new Semaphore(0);
      const futures: Future<Releaser>[] = [];
      for (let i = 0; i < 101; i++) futures.push(sem.acquire({ seconds: 0.01 }));
      const future = sem.acquire();
      expect(waiterCount(sem)).to.equal(102);
      await t.sleep(0.02);
      expect(waiterCount(sem)).to.equal(1);
      expect(future.done()).to.equal(false); // The last waiter is still active.
      sem.release();
      expect(future.done()).to.equal(true);
      // Reading each error also keeps "Future exception was never retrieved" quiet.
      expect(futures.every((f) => f.exception() instanceof TimeoutError)).to.equal(true);
    });
  });

  it("hands a release to the longest waiter, never to a newcomer", async () => {
    await t.run(async () => {
      const sem = new Semaphore(1);
      const order: string[] = [];
      const holder = await sem.acquire();
      const waiting = sem.with(() => void order.push("waiter"));
      holder.release();
      // A newcomer asks right after the release: the waiter already has the count.
      const newcomer = sem.acquire();
      expect(newcomer.done()).to.equal(false);
      await waiting;
      (await newcomer).release();
      order.push("newcomer");
      expect(order).to.deep.equal(["waiter", "newcomer"]);
    });
  });

  it("takes a cancelled acquire out of the line; the next waiter gets the release", async () => {
    await t.run(async () => {
      const sem = new Semaphore(0);
      const cancelled = sem.acquire();
      const next = sem.acquire();
      cancelled.cancel();
      expect(waiterCount(sem)).to.equal(1);
      sem.release();
      expect(next.done()).to.equal(true);
      expect(cancelled.cancelled()).to.equal(true);
    });
  });

  it("times out a zero deadline on the next turn, not at once", async () => {
    await t.run(async () => {
      const sem = new Semaphore(0);
      const acquire = sem.acquire({ seconds: 0 });
      expect(acquire.done()).to.equal(false);
      await t.turn();
      expect(outcome(acquire)).to.equal("TimeoutError");
    });
  });
});

describe("WaiterFutureTest", () => {
  const t = useVirtualLoop();

  /** Runs `body` on a loop holding a Lock, in a child with --expose-gc; returns its stderr. */
  function stderrOfChild(body: string): string {
    return stderrAfterGc(`
      const { IOLoop } = require(${srcModule("ioloop")});
      const { Lock } = require(${srcModule("locks")});
      await IOLoop.current().runSync(async () => {
        const lock = new Lock();
        void lock.acquire();
        ${body}
      });
    `);
  }

  it("is a native Promise that await takes on its fast path", async () => {
    await t.run(async () => {
      const lock = new Lock();
      void lock.acquire();
      const waiter = lock.acquire();
      expect(types.isPromise(waiter)).to.equal(true);
      expect(waiter.constructor).to.equal(Promise);
      lock.release();
      (await waiter).release();
    });
  });

  it("counts an awaited timeout as retrieved, and still reports one nobody read", function () {
    this.timeout(30000);
    const awaited = stderrOfChild(`
      try { await lock.acquire({ seconds: 0 }); } catch {}
      await Promise.resolve().then(() => new Promise((r) => IOLoop.current().callLater(0, r)));
    `);
    expect(awaited).to.not.match(/never retrieved/);
    const ignored = stderrOfChild(`
      (() => { lock.acquire({ seconds: 0 }); })();
      await new Promise((r) => IOLoop.current().callLater(0.01, r));
    `);
    expect(ignored).to.match(/Future exception was never retrieved/);
    expect(ignored).to.match(/Timeout in Lock.acquire/);
  });
});

describe("SemaphoreContextManagerTest", () => {
  const t = useVirtualLoop();

  it("runs with() holding the semaphore and releases afterwards (test_context_manager)", async () => {
    await t.run(async () => {
      const sem = new Semaphore();
      const result = await sem.with(() => {
        expect(sem.acquire().cancel()).to.equal(true); // Held: a second acquire waits.
        return "value";
      });
      expect(result).to.equal("value");
      expect(sem.acquire().done()).to.equal(true); // Released and free again.
    });
  });

  it("releases at the end of an `await using` block (test_context_manager_async_await)", async () => {
    await t.run(async () => {
      const sem = new Semaphore();
      {
        await using held = await sem.acquire();
        expect(held.released).to.equal(false);
        expect(String(sem)).to.equal("<Semaphore [locked]>");
      }
      expect(String(sem)).to.equal("<Semaphore [unlocked,value:1]>");
      {
        using _held = await sem.acquire();
      }
      expect(sem.acquire().done()).to.equal(true);
    });
  });

  it("releases when the body throws, in with() and with using (test_context_manager_exception)", async () => {
    await t.run(async () => {
      const sem = new Semaphore();
      let error: unknown;
      await sem
        .with(async () => {
          await t.turn();
          throw new RangeError("1 / 0");
        })
        .catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
      expect(String(sem)).to.equal("<Semaphore [unlocked,value:1]>");
      const usingBlock = async (): Promise<void> => {
        await using _held = await sem.acquire();
        throw new RangeError("inside using");
      };
      await usingBlock().catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal("inside using");
      expect(sem.acquire().done()).to.equal(true);
    });
  });

  it("accepts a timeout it does not need (test_context_manager_timeout)", async () => {
    await t.run(async () => {
      const sem = new Semaphore();
      await sem.with(() => undefined, { timeout: { seconds: 0.01 } });
      expect(sem.acquire().done()).to.equal(true);
    });
  });

  it("does not run the body when acquiring times out (test_context_manager_timeout_error)", async () => {
    await t.run(async () => {
      const sem = new Semaphore(0);
      let ran = false;
      const scoped = sem.with(() => (ran = true), { timeout: { seconds: 0.01 } });
      let error: unknown;
      const settled = scoped.catch((e: unknown) => (error = e));
      await t.sleep(0.01);
      await settled;
      expect(error).to.be.instanceOf(TimeoutError);
      expect(ran).to.equal(false);
      expect(sem.acquire().done()).to.equal(false); // The counter is still 0.
    });
  });

  it("makes contending holders take turns (test_context_manager_contended)", async () => {
    const history = await t.run(async () => {
      const sem = new Semaphore();
      const events: string[] = [];
      const f = (index: number) =>
        sem.with(async () => {
          events.push(`acquired ${index}`);
          await new Promise<void>((resolve) => t.loop.callLater(0.01, () => resolve()));
          events.push(`release ${index}`);
        });
      const both = Promise.all([f(0), f(1)]);
      await t.turn();
      expect(events).to.deep.equal(["acquired 0"]);
      for (let i = 0; i < 3; i++) await t.sleep(0.01);
      await both;
      return events;
    });
    expect(history).to.deep.equal(["acquired 0", "release 0", "acquired 1", "release 1"]);
  });

  it("releases once per Releaser, however often it is released or disposed (Python's misuse checks have no JS form)", async () => {
    await t.run(async () => {
      const sem = new Semaphore(2);
      const held = await sem.acquire();
      await sem.acquire();
      held.release();
      held.release();
      held[Symbol.dispose]();
      await held[Symbol.asyncDispose]();
      expect(held.released).to.equal(true);
      // Only one of the two acquisitions came back.
      expect(String(sem)).to.equal("<Semaphore [unlocked,value:1]>");
    });
  });
});

describe("BoundedSemaphoreTest", () => {
  it("refuses to be released past its initial value (test_release_unacquired)", () => {
    const sem = new BoundedSemaphore();
    expect(() => sem.release()).to.throw(RangeError, "Semaphore released too many times");
    void sem.acquire(); // Value is 0.
    const future = sem.acquire(); // Blocks.
    expect(future.done()).to.equal(false);
    sem.release();
    expect(future.done()).to.equal(true);
    sem.release(); // Value is 1.
    expect(() => sem.release()).to.throw(RangeError, "Semaphore released too many times");
    expect(String(sem)).to.equal("<BoundedSemaphore [unlocked,value:1]>");
  });
});

describe("LockTests", () => {
  const t = useVirtualLoop();

  it("shows whether it is locked in toString (test_repr)", () => {
    const lock = new Lock();
    expect(String(lock)).to.equal("<Lock [unlocked]>");
    void lock.acquire();
    expect(String(lock)).to.equal("<Lock [locked]>");
    void lock.acquire();
    expect(String(lock)).to.equal("<Lock [locked,waiters:1]>");
  });

  it("locks at once when free and hands over on release (test_acquire_release)", () => {
    const lock = new Lock();
    expect(lock.acquire().done()).to.equal(true);
    const future = lock.acquire();
    expect(future.done()).to.equal(false);
    lock.release();
    expect(future.done()).to.equal(true);
    expect(String(lock)).to.equal("<Lock [locked]>");
  });

  it("serves waiting tasks first come, first served (test_acquire_fifo)", async () => {
    const history = await t.run(async () => {
      const lock = new Lock();
      expect(lock.acquire().done()).to.equal(true);
      const order: number[] = [];
      const tasks = [0, 1, 2, 3, 4].map((idx) => lock.with(() => void order.push(idx)));
      await t.turn();
      expect(order).to.deep.equal([]);
      lock.release();
      await Promise.all(tasks);
      return order;
    });
    expect(history).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it("serves `await using` holders first come, first served (test_acquire_fifo_async_with)", async () => {
    const history = await t.run(async () => {
      const lock = new Lock();
      expect(lock.acquire().done()).to.equal(true);
      const order: number[] = [];
      const f = async (idx: number): Promise<void> => {
        await using _held = await lock.acquire();
        await t.turn();
        order.push(idx);
      };
      const tasks = [0, 1, 2, 3, 4].map(f);
      lock.release();
      await Promise.all(tasks);
      expect(String(lock)).to.equal("<Lock [unlocked]>");
      return order;
    });
    expect(history).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it("rejects acquire with TimeoutError at the deadline and stays locked (test_acquire_timeout)", async () => {
    await t.run(async () => {
      const lock = new Lock();
      void lock.acquire();
      const acquire = lock.acquire({ seconds: 0.01 });
      await t.sleep(0.01);
      let error: unknown;
      await acquire.then(undefined, (e: unknown) => (error = e));
      expect(error).to.be.instanceOf(TimeoutError);
      expect((error as Error).message).to.equal("Timeout in Lock.acquire");
      expect(lock.acquire().done()).to.equal(false); // Still locked.
    });
  });

  it("raises RuntimeError when releasing an unlocked lock (test_multi_release)", () => {
    const lock = new Lock();
    expect(() => lock.release()).to.throw(RuntimeError, "release unlocked lock");
    void lock.acquire();
    lock.release();
    expect(() => lock.release()).to.throw(RuntimeError, "release unlocked lock");
  });

  it("never gives the lock to a waiter that timed out", async () => {
    await t.run(async () => {
      const lock = new Lock();
      const holder = await lock.acquire();
      const timed = lock.acquire({ seconds: 0.01 });
      const patient = lock.acquire();
      await t.sleep(0.01);
      holder.release();
      expect(outcome(timed)).to.equal("TimeoutError");
      expect(patient.done()).to.equal(true);
      expect(String(lock)).to.equal("<Lock [locked]>");
    });
  });

  it("returns the body's value from with() and unlocks when the body throws", async () => {
    await t.run(async () => {
      const lock = new Lock();
      expect(await lock.with(async () => 42)).to.equal(42);
      let error: unknown;
      await lock
        .with(() => {
          throw new Error("boom");
        })
        .catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal("boom");
      expect(String(lock)).to.equal("<Lock [unlocked]>");
    });
  });

  it("takes timed-out waiters out of the line: 102 waiters become 1", async () => {
    await t.run(async () => {
      const lock = new Lock();
      void lock.acquire();
      const timed: Future<Releaser>[] = [];
      for (let i = 0; i < 101; i++) timed.push(lock.acquire(t.loop.time() + 0.01));
      const last = lock.acquire();
      expect(waiterCount(lock)).to.equal(102);
      await t.sleep(0.02);
      expect(waiterCount(lock)).to.equal(1);
      expect(timed.every((f) => f.exception() instanceof TimeoutError)).to.equal(true);
      lock.release();
      expect(last.done()).to.equal(true);
    });
  });

  it("times out a zero deadline on the next turn, not at once", async () => {
    await t.run(async () => {
      const lock = new Lock();
      void lock.acquire();
      const acquire = lock.acquire(t.loop.time());
      expect(acquire.done()).to.equal(false);
      await t.turn();
      expect(outcome(acquire)).to.equal("TimeoutError");
    });
  });
});
