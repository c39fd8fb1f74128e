/**
 * Tests of `queues`, named after Tornado's queues_test.py.
 *
 * Loops run on a VirtualClock, so "10 ms" timeouts fire exactly when a test moves the
 * clock. Where Tornado counts the timed-out waiters that linger until the next put/get,
 * these tests check that they are gone at once.
 */
import { expect } from "chai";
import { type Future } from "../src/concurrent";
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull } from "../src/queues";
import { TimeoutError } from "../src/util";
import { useVirtualLoop, type VirtualLoop } from "./helpers/loop";

/** How many getters or putters wait (Tornado's tests read `_getters` and `_putters`). */
function waiting(q: Queue<unknown>, line: "_getters" | "_putters"): number {
  return (q as unknown as Record<string, { length: number }>)[line].length;
}

/** What a Future settled with: its result, or the class name of its error. */
function outcome(future: Future<unknown>): unknown {
  if (!future.done()) return "pending";
  const error = future.exception();
  return error === undefined ? future.result() : (error as Error).name;
}

describe("QueueBasicTest", () => {
  it("shows maxsize, size, waiters and tasks in toString (test_repr_and_str)", () => {
    const q = new Queue<null>(1);
    void q.get();
    expect(String(q)).to.equal("<Queue maxsize=1 getters[1]>");
    void q.put(null);
    void q.put(null);
    void q.put(null); // Now the queue is full: this putter blocks.
    expect(String(q)).to.equal("<Queue maxsize=1 qsize=1 putters[1] tasks=2>");
  });

  it("gets items in the order they were put (test_order)", () => {
    const q = new Queue<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).to.deep.equal([1, 3, 2]);
  });

  it("checks maxsize and blocks put() at it (test_maxsize)", async () => {
    expect(() => new Queue("2" as never)).to.throw(TypeError);
    expect(() => new Queue(NaN)).to.throw(TypeError);
    expect(() => new Queue(-1)).to.throw(RangeError, "maxsize can't be negative");
    // Unlike Tornado (TypeError for None), null means the default: unbounded.
    expect(new Queue(null).maxsize).to.equal(0);
    expect(new Queue().maxsize).to.equal(0);

    const q = new Queue<number>(2);
    expect([q.empty(), q.full(), q.maxsize]).to.deep.equal([true, false, 2]);
    expect(q.put(0).done()).to.equal(true);
    expect(q.put(1).done()).to.equal(true);
    expect([q.empty(), q.full()]).to.deep.equal([false, true]);
    const put2 = q.put(2);
    expect(put2.done()).to.equal(false);
    expect(await q.get()).to.equal(0); // Makes room.
    expect(put2.done()).to.equal(true);
    expect([q.empty(), q.full(), q.qsize()]).to.deep.equal([false, true, 2]);
  });
});

describe("QueueGetTest", () => {
  const t = useVirtualLoop();

  it("resolves get() with an item that is there (test_blocking_get)", async () => {
    const q = new Queue<number>();
    q.putNowait(0);
    const get = q.get();
    expect(get.done()).to.equal(true);
    expect(await get).to.equal(0);
  });

  it("returns an item from getNowait (test_nonblocking_get)", () => {
    const q = new Queue<number>();
    q.putNowait(0);
    expect(q.getNowait()).to.equal(0);
  });

  it("raises QueueEmpty from getNowait on an empty queue (test_nonblocking_get_exception)", () => {
    const q = new Queue<number>();
    expect(() => q.getNowait()).to.throw(QueueEmpty, "Queue is empty");
  });

  it("lets a get() admit a waiting putter (test_get_with_putters)", async () => {
    const q = new Queue<number>(1);
    q.putNowait(0);
    const put = q.put(1);
    expect(await q.get()).to.equal(0);
    expect(put.done()).to.equal(true);
    expect(await put).to.equal(undefined);
    expect(q.getNowait()).to.equal(1);
  });

  it("waits in get() for later puts (test_blocking_get_wait)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      void q.put(0);
      t.loop.callLater(0.01, () => q.put(1));
      t.loop.callLater(0.02, () => q.put(2));
      expect(await q.get({ seconds: 1 })).to.equal(0);
      const second = q.get({ seconds: 1 });
      expect(second.done()).to.equal(false);
      await t.sleep(0.01);
      expect(await second).to.equal(1);
      await t.sleep(0.01);
      expect(q.getNowait()).to.equal(2);
    });
  });

  it("rejects get() with TimeoutError at its deadline; later getters still work (test_get_timeout)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const getTimeout = q.get({ seconds: 0.01 });
      const get = q.get();
      await t.sleep(0.01);
      expect(outcome(getTimeout)).to.equal("TimeoutError");
      expect((getTimeout.exception() as Error).message).to.equal("Timeout in Queue.get");
      q.putNowait(0);
      expect(await get).to.equal(0);
    });
  });

  it("lets an item preempt the get timeout (test_get_timeout_preempted)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const get = q.get({ seconds: 0.01 });
      void q.put(0);
      expect(t.loop._pendingWork().timeouts).to.equal(0);
      await t.sleep(0.02);
      expect(await get).to.equal(0);
    });
  });

  it("drops timed-out putters at once, and a get skips them (test_get_clears_timed_out_putters)", async () => {
    await t.run(async () => {
      const q = new Queue<number>(1);
      // The first putter succeeds, the rest block.
      const putters: Future<void>[] = [];
      for (let i = 0; i < 10; i++) putters.push(q.put(i, { seconds: 0.01 }));
      const put = q.put(10);
      expect(waiting(q, "_putters")).to.equal(10);
      await t.sleep(0.02);
      expect(waiting(q, "_putters")).to.equal(1); // Tornado: still 10 until a get.
      expect(put.done()).to.equal(false); // The last waiter is still active.
      void q.put(11);
      expect(await q.get()).to.equal(0);
      expect(waiting(q, "_putters")).to.equal(1);
      expect(putters.slice(1).map(outcome)).to.deep.equal(Array(9).fill("TimeoutError"));
      // None of the timed-out items ever entered the queue.
      expect(q.getNowait()).to.equal(10);
      expect(q.getNowait()).to.equal(11);
    });
  });

  it("drops timed-out getters at once (test_get_clears_timed_out_getters)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const getters: Future<number>[] = [];
      for (let i = 0; i < 10; i++) getters.push(q.get({ seconds: 0.01 }));
      const get = q.get();
      expect(waiting(q, "_getters")).to.equal(11);
      await t.sleep(0.02);
      expect(waiting(q, "_getters")).to.equal(1);
      expect(get.done()).to.equal(false); // The last waiter is still active.
      void q.get();
      expect(waiting(q, "_getters")).to.equal(2);
      expect(getters.map(outcome)).to.deep.equal(Array(10).fill("TimeoutError"));
    });
  });

  it("iterates with for await, in order (test_async_for)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      for (let i = 0; i < 5; i++) void q.put(i);
      const results: number[] = [];
      for await (const item of q) {
        results.push(item);
        if (item === 4) break;
      }
      expect(results).to.deep.equal([0, 1, 2, 3, 4]);
      // Leaving the loop took nothing more: the next item goes to the next get.
      q.putNowait(5);
      expect(q.getNowait()).to.equal(5);
    });
  });

  it("waits in for await for items put later", async () => {
    await t.run(async () => {
      const q = new Queue<string>();
      t.loop.callLater(1, () => q.putNowait("late"));
      const iterate = (async () => {
        for await (const item of q) return item;
        return "never";
      })();
      await t.sleep(1);
      expect(await iterate).to.equal("late");
    });
  });

  it("times out a zero deadline on the next turn, not at once", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const relative = q.get({ seconds: 0 });
      const absolute = q.get(t.loop.time());
      expect([relative.done(), absolute.done()]).to.deep.equal([false, false]);
      await t.turn();
      expect([outcome(relative), outcome(absolute)]).to.deep.equal([
        "TimeoutError",
        "TimeoutError",
      ]);
    });
  });

  it("takes a cancelled get out of the line; the item goes to the next getter", () => {
    const q = new Queue<number>();
    const cancelled = q.get();
    const next = q.get();
    cancelled.cancel();
    expect(waiting(q, "_getters")).to.equal(1);
    q.putNowait(7);
    expect(next.result()).to.equal(7);
    expect(q.qsize()).to.equal(0);
  });
});

describe("QueuePutTest", () => {
  const t = useVirtualLoop();

  it("stores an item put with put() (test_blocking_put)", () => {
    const q = new Queue<number>();
    void q.put(0);
    expect(q.getNowait()).to.equal(0);
  });

  it("raises QueueFull from putNowait on a full queue (test_nonblocking_put_exception)", () => {
    const q = new Queue<number>(1);
    void q.put(0);
    let error: unknown;
    try {
      q.putNowait(1);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(QueueFull);
    expect((error as QueueFull).maxsize).to.equal(1);
    expect((error as Error).message).to.equal("Queue is full (maxsize 1)");
  });

  it("hands put items to waiting getters in order (test_put_with_getters)", async () => {
    const q = new Queue<number>();
    const get0 = q.get();
    const get1 = q.get();
    await q.put(0);
    expect(await get0).to.equal(0);
    expect(get1.done()).to.equal(false);
    await q.put(1);
    expect(await get1).to.equal(1);
    expect(q.qsize()).to.equal(0);
  });

  it("resolves the getter in putNowait but resumes its task only after the caller (test_nonblocking_put_with_getters)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const got: number[] = [];
      const consumer = (async () => {
        got.push(await q.get());
        got.push(await q.get());
      })();
      const get1 = q.get();
      let callbackRan = false;
      get1.addDoneCallback(() => (callbackRan = true));
      q.putNowait(0);
      // The getter's Future is done, but its task has not run yet: not inside
      // putNowait and not before the caller's synchronous code ends.
      expect(got).to.deep.equal([]);
      q.putNowait(1);
      expect(get1.result()).to.equal(1);
      expect(got).to.deep.equal([]);
      await Promise.resolve();
      expect(callbackRan).to.equal(false); // Done-callbacks wait for the next turn.
      await t.turn();
      expect(callbackRan).to.equal(true);
      q.putNowait(2);
      await consumer;
      expect(got).to.deep.equal([0, 2]);
    });
  });

  it("waits in put() until getters make room (test_blocking_put_wait)", async () => {
    await t.run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      t.loop.callLater(0.01, () => q.get());
      t.loop.callLater(0.02, () => q.get());
      const futures = [q.put(0), q.put(1)];
      expect(futures.map((f) => f.done())).to.deep.equal([false, false]);
      await t.sleep(0.01);
      expect(futures.map((f) => f.done())).to.deep.equal([true, false]);
      await t.sleep(0.01);
      await Promise.all(futures);
    });
  });

  it("rejects put() with TimeoutError and never adds its item (test_put_timeout)", async () => {
    await t.run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(0); // Now it's full.
      const putTimeout = q.put(1, { seconds: 0.01 });
      const put = q.put(2);
      await t.sleep(0.01);
      expect(outcome(putTimeout)).to.equal("TimeoutError");
      expect((putTimeout.exception() as Error).message).to.equal("Timeout in Queue.put");
      expect(q.getNowait()).to.equal(0);
      expect(await q.get()).to.equal(2); // 1 was never put in the queue.
      await put; // The last get admitted this putter.
    });
  });

  it("lets a get preempt the put timeout (test_put_timeout_preempted)", async () => {
    await t.run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      const put = q.put(1, { seconds: 0.01 });
      void q.get();
      expect(t.loop._pendingWork().timeouts).to.equal(0);
      await t.sleep(0.02);
      await put; // No TimeoutError.
      expect(q.getNowait()).to.equal(1);
    });
  });

  it("drops timed-out putters at once, and a put queues behind the live ones (test_put_clears_timed_out_putters)", async () => {
    await t.run(async () => {
      const q = new Queue<number>(1);
      const putters: Future<void>[] = [];
      for (let i = 0; i < 10; i++) putters.push(q.put(i, { seconds: 0.01 }));
      const put = q.put(10);
      expect(waiting(q, "_putters")).to.equal(10);
      await t.sleep(0.02);
      expect(waiting(q, "_putters")).to.equal(1);
      expect(put.done()).to.equal(false); // The last waiter is still active.
      void q.put(11);
      expect(waiting(q, "_putters")).to.equal(2);
      expect(putters.slice(1).map(outcome)).to.deep.equal(Array(9).fill("TimeoutError"));
    });
  });

  it("drops timed-out getters at once; a put goes to the oldest live one (test_put_clears_timed_out_getters)", async () => {
    await t.run(async () => {
      const q = new Queue<number>();
      const getters: Future<number>[] = [];
      for (let i = 0; i < 10; i++) getters.push(q.get({ seconds: 0.01 }));
      const get = q.get();
      void q.get();
      expect(waiting(q, "_getters")).to.equal(12);
      await t.sleep(0.02);
      expect(waiting(q, "_getters")).to.equal(2);
      expect(get.done()).to.equal(false); // The last waiters are still active.
      void q.put(0);
      expect(waiting(q, "_getters")).to.equal(1);
      expect(await get).to.equal(0);
      expect(getters.map(outcome)).to.deep.equal(Array(10).fill("TimeoutError"));
    });
  });

  it("compares a fractional maxsize as it is: 1.3 holds two items (test_float_maxsize)", async () => {
    const q = new Queue<number>(1.3);
    expect([q.empty(), q.full()]).to.deep.equal([true, false]);
    q.putNowait(0);
    q.putNowait(1);
    expect([q.empty(), q.full()]).to.deep.equal([false, true]);
    expect(() => q.putNowait(2)).to.throw(QueueFull);
    expect(q.getNowait()).to.equal(0);
    expect([q.empty(), q.full()]).to.deep.equal([false, false]);
    await q.put(2);
    const put = q.put(3);
    expect(put.done()).to.equal(false);
    expect(await q.get()).to.equal(1);
    await put;
    expect(q.full()).to.equal(true);
  });
});

/** Tornado's QueueJoinTest, run over each queue class (its subclasses reuse it). */
function queueJoinTests(make: () => Queue<number>, t: VirtualLoop): void {
  it("raises RangeError for a taskDone without a task (test_task_done_underflow)", () => {
    const q = make();
    expect(() => q.taskDone()).to.throw(RangeError, "task_done() called too many times");
    q.putNowait(1);
    q.taskDone();
    expect(() => q.taskDone()).to.throw(RangeError, "task_done() called too many times");
  });

  it("resolves join() once two workers have called taskDone for every item (test_task_done)", async () => {
    const total = await t.run(async () => {
      const q = make();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let accumulator = 0;
      let turns = 0;
      const worker = async (): Promise<void> => {
        for (;;) {
          const item = await q.get();
          accumulator += item;
          q.taskDone();
          // A varying pause, as Tornado's random sleep: 0 to 2 loop turns.
          for (let i = 0; i < turns++ % 3; i++) await t.turn();
        }
      };
      void worker();
      void worker();
      await q.join();
      expect(q.qsize()).to.equal(0);
      return accumulator;
    });
    expect(total).to.equal(4950);
  });

  it("is unblocked by taskDone, not by get (test_task_done_delay)", async () => {
    await t.run(async () => {
      const q = make();
      q.putNowait(0);
      const join = q.join();
      expect(join.done()).to.equal(false);
      await q.get();
      expect(join.done()).to.equal(false);
      await t.turn();
      expect(join.done()).to.equal(false);
      q.taskDone();
      expect(join.done()).to.equal(true);
    });
  });

  it("resolves join() at once on a queue with no tasks (test_join_empty_queue)", async () => {
    const q = make();
    expect(q.join().done()).to.equal(true);
    await q.join();
    await q.join();
  });

  it("rejects join() with TimeoutError at its deadline (test_join_timeout)", async () => {
    await t.run(async () => {
      const q = make();
      void q.put(0);
      const join = q.join({ seconds: 0.01 });
      await t.sleep(0.01);
      let error: unknown;
      await join.then(undefined, (e: unknown) => (error = e));
      expect(error).to.be.instanceOf(TimeoutError);
    });
  });
}

describe("QueueJoinTest", () => {
  const t = useVirtualLoop();
  queueJoinTests(() => new Queue<number>(), t);
});

describe("PriorityQueueJoinTest", () => {
  const t = useVirtualLoop();
  queueJoinTests(() => new PriorityQueue<number>(), t);

  it("gets the smallest item first, admitting putters before taking (test_order)", async () => {
    await t.run(async () => {
      const q = new PriorityQueue<[number, string]>(2);
      q.putNowait([1, "a"]);
      q.putNowait([0, "b"]);
      expect(q.full()).to.equal(true);
      void q.put([3, "c"]);
      void q.put([2, "d"]);
      expect(q.getNowait()).to.deep.equal([0, "b"]);
      expect(await q.get()).to.deep.equal([1, "a"]);
      expect(q.getNowait()).to.deep.equal([2, "d"]);
      expect(await q.get()).to.deep.equal([3, "c"]);
      expect(q.empty()).to.equal(true);
    });
  });

  it("sorts many numbers as a heap should", () => {
    const q = new PriorityQueue<number>();
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1009);
    for (const v of values) q.putNowait(v);
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).to.deep.equal([...values].sort((a, b) => a - b));
  });

  it("hands out equal priorities first in, first out (stable)", () => {
    const q = new PriorityQueue<[number, { id: number }]>();
    const ids = [5, 3, 8, 1, 9, 2, 7, 4, 6, 0];
    for (const id of ids) q.putNowait([id % 2, { id }]);
    const out: number[] = [];
    while (!q.empty()) out.push(q.getNowait()[1].id);
    // Even ids (priority 0) then odd ones, each group in insertion order.
    expect(out).to.deep.equal([8, 2, 4, 6, 0, 5, 3, 1, 9, 7]);
  });

  it("compares arrays element by element and then by length, as Python tuples", () => {
    const q = new PriorityQueue<unknown[]>();
    for (const item of [[1, "b"], [1, "a", 0], [0, "z"], [1, "a"], [1]]) q.putNowait(item);
    const out: unknown[] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).to.deep.equal([[0, "z"], [1], [1, "a"], [1, "a", 0], [1, "b"]]);
  });

  it("uses a given compare function instead", () => {
    const q = new PriorityQueue<{ due: number }>(0, { compare: (a, b) => b.due - a.due });
    for (const due of [3, 9, 1]) q.putNowait({ due });
    expect([q.getNowait(), q.getNowait(), q.getNowait()].map((x) => x.due)).to.deep.equal([
      9, 3, 1,
    ]);
  });

  it("refuses items of unlike kinds, as Python's < does, and keeps the queue intact", () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    expect(() => q.putNowait("one")).to.throw(TypeError, "cannot order a string against a number");
    expect([q.qsize(), q.getNowait()]).to.deep.equal([1, 1]);
  });
});

describe("LifoQueueJoinTest", () => {
  const t = useVirtualLoop();
  queueJoinTests(() => new LifoQueue<number>(), t);

  it("gets the most recent item first, admitting putters before taking (test_order)", async () => {
    await t.run(async () => {
      const q = new LifoQueue<number>(2);
      q.putNowait(1);
      q.putNowait(0);
      expect(q.full()).to.equal(true);
      void q.put(3);
      void q.put(2);
      expect(q.getNowait()).to.equal(3);
      expect(await q.get()).to.equal(2);
      expect(q.getNowait()).to.equal(0);
      expect(await q.get()).to.equal(1);
      expect(q.empty()).to.equal(true);
    });
  });
});

describe("ProducerConsumerTest", () => {
  const t = useVirtualLoop();

  it("passes every item from producer to consumer through a bounded queue (test_producer_consumer)", async () => {
    const history = await t.run(async () => {
      const q = new Queue<number>(3);
      const seen: number[] = [];
      let maxSize = 0;
      // No await between get() and taskDone(): join() must still wait for all ten.
      const consumer = async (): Promise<void> => {
        for (;;) {
          seen.push(await q.get());
          q.taskDone();
        }
      };
      const producer = async (): Promise<void> => {
        for (let item = 0; item < 10; item++) {
          await q.put(item);
          maxSize = Math.max(maxSize, q.qsize());
        }
      };
      void consumer();
      await producer();
      await q.join();
      expect(maxSize).to.be.at.most(3);
      return seen;
    });
    expect(history).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("keeps a fast producer within maxsize while a slow consumer drains", async () => {
    await t.run(async () => {
      const q = new Queue<number>(2);
      const seen: number[] = [];
      let highWater = 0;
      const consumer = async (): Promise<void> => {
        for await (const item of q) {
          await new Promise<void>((resolve) => t.loop.callLater(1, () => resolve()));
          seen.push(item);
          q.taskDone();
        }
      };
      const producer = (async () => {
        for (let item = 0; item < 6; item++) {
          await q.put(item);
          highWater = Math.max(highWater, q.qsize());
        }
      })();
      void consumer();
      const joined = q.join();
      for (let i = 0; i < 8 && !joined.done(); i++) await t.sleep(1);
      await producer;
      await joined;
      expect(seen).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(highWater).to.equal(2);
    });
  });
});
