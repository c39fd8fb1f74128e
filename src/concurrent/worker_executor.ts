/**
 * `WorkerPoolExecutor`: runs functions on a pool of `worker_threads` (the counterpart of
 * the `ThreadPoolExecutor` that Tornado's `IOLoop.run_in_executor` uses by default).
 *
 * Python threads share the interpreter's memory; Node workers do not. So a function sent
 * to a worker travels as its **source text** and is compiled again there, and its
 * arguments and result travel by the structured-clone algorithm. What follows:
 * - the function must be self-contained: it can use its parameters, globals and
 *   `require()`, but not variables it closes over, nor `this`;
 * - bound and native functions cannot be sent (`TypeError` at `submit`);
 * - arguments and results must be cloneable: primitives, plain objects and arrays, Maps,
 *   Sets, Dates, RegExps, Buffers and typed arrays, Errors. Functions and class instances
 *   (whose prototype is lost) are not.
 * An async function is awaited inside the worker. An uncloneable result or an exception
 * fails the returned Future with that error.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { RuntimeError } from "../util";
import { workerThreadsModule } from "../util/_lazy_builtins";
import type { Executor } from "./executor";
import { Future } from "./future";
import { futureSetExceptionUnlessCancelled, futureSetResultUnlessCancelled } from "./future_tools";

/** The worker's program: compile (with a cache), run, post the outcome back. */
const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const compiled = new Map();
function compile(source) {
  let fn = compiled.get(source);
  if (fn !== undefined) return fn;
  try {
    fn = (0, eval)("(" + source + ")");
  } catch (notAnExpression) {
    // Method shorthand such as "async resize(size) { ... }" is not an expression on its own.
    const holder = (0, eval)("({" + source + "})");
    fn = holder[Object.keys(holder)[0]];
  }
  if (typeof fn !== "function") throw new TypeError("Worker job is not a function: " + source.slice(0, 80));
  compiled.set(source, fn);
  return fn;
}
parentPort.on("message", async (job) => {
  try {
    const value = await compile(job.source)(...job.args);
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch (error) {
    try {
      parentPort.postMessage({ id: job.id, ok: false, error });
    } catch (cloneError) {
      parentPort.postMessage({ id: job.id, ok: false, error: new Error(String(error)) });
    }
  }
});
`;

interface Job {
  readonly id: number;
  readonly source: string;
  readonly args: unknown[];
  readonly future: Future<unknown>;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: unknown;
}

interface PoolWorker {
  readonly worker: Worker;
  job: Job | null;
}

/** Options of {@link WorkerPoolExecutor}. */
export interface WorkerPoolExecutorOptions {
  /** Most workers alive at once. Default: `os.availableParallelism()`. */
  maxWorkers?: number;
}

/**
 * An {@link Executor} backed by `worker_threads`, for CPU-bound work that would otherwise
 * stall the loop. Workers start on demand, and hold the process open only while they have
 * work.
 *
 * @example
 * const pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 * const sum = await pool.submit((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, 1e8);
 * await pool.shutdown();
 */
export class WorkerPoolExecutor implements Executor {
  /** Most workers alive at once. */
  readonly maxWorkers: number;
  private readonly _workers: PoolWorker[] = [];
  private readonly _idle: PoolWorker[] = [];
  private _queue: Job[] = [];
  private _nextId = 1;
  private _shutdown = false;
  private _drained: (() => void) | null = null;

  /** @throws `RangeError` if `maxWorkers` is not a positive integer. */
  constructor(options: WorkerPoolExecutorOptions = {}) {
    const max = options.maxWorkers ?? availableParallelism();
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxWorkers must be a positive integer; got ${String(max)}`);
    }
    this.maxWorkers = max;
  }

  /**
   * Queues `fn(...args)` for a worker.
   *
   * @throws `TypeError` if `fn` cannot be sent (bound or native); `RuntimeError` after
   *   `shutdown()`.
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (this._shutdown) throw new RuntimeError("cannot schedule new futures after shutdown");
    if (typeof fn !== "function") {
      throw new TypeError(`WorkerPoolExecutor.submit expects a function; got ${typeof fn}`);
    }
    const source = Function.prototype.toString.call(fn);
    if (source.endsWith("{ [native code] }")) {
      throw new TypeError(
        `Cannot send ${fn.name || "this function"} to a worker: bound and native functions ` +
          "have no source; pass a self-contained function",
      );
    }
    const future = new Future<Awaited<R>>();
    const job: Job = { id: this._nextId++, source, args, future: future as Future<unknown> };
    const idle = this._idle.pop() ?? this._spawnIfAllowed();
    if (idle !== undefined) this._dispatch(idle, job);
    else this._queue.push(job);
    return future;
  }

  /**
   * Stops accepting work. Work already submitted still runs; then the workers exit.
   * With `wait` (the default) the returned promise settles after that.
   */
  shutdown(options: { wait?: boolean } = {}): Promise<void> {
    this._shutdown = true;
    const finished = new Promise<void>((resolve) => {
      this._drained = resolve;
      this._maybeFinish();
    });
    return options.wait === false ? Promise.resolve() : finished;
  }

  private _spawnIfAllowed(): PoolWorker | undefined {
    if (this._workers.length >= this.maxWorkers) return undefined;
    const worker = new (workerThreadsModule().Worker)(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, job: null };
    worker.on("message", (reply: Reply) => this._onReply(entry, reply));
    worker.on("error", (error) => this._onWorkerGone(entry, error));
    worker.on("exit", (code) => {
      if (entry.job !== null || this._workers.includes(entry)) {
        this._onWorkerGone(entry, new Error(`Executor worker exited with code ${code}`));
      }
    });
    this._workers.push(entry);
    return entry;
  }

  private _dispatch(entry: PoolWorker, job: Job): void {
    if (job.future.cancelled()) {
      // Cancelled while queued: never start it.
      this._next(entry);
      return;
    }
    entry.job = job;
    entry.worker.ref();
    try {
      entry.worker.postMessage({ id: job.id, source: job.source, args: job.args });
    } catch (error) {
      // An argument could not be cloned: fail this job, keep the worker.
      entry.job = null;
      futureSetExceptionUnlessCancelled(job.future, error);
      this._next(entry);
    }
  }

  private _onReply(entry: PoolWorker, reply: Reply): void {
    const job = entry.job;
    entry.job = null;
    if (job !== null && job.id === reply.id) {
      if (reply.ok) futureSetResultUnlessCancelled(job.future, reply.value);
      else futureSetExceptionUnlessCancelled(job.future, reply.error);
    }
    this._next(entry);
  }

  /** Gives `entry` the next queued job, or parks it as idle (unref'd). */
  private _next(entry: PoolWorker): void {
    const job = this._queue.shift();
    if (job !== undefined) {
      this._dispatch(entry, job);
      return;
    }
    entry.worker.unref();
    this._idle.push(entry);
    this._maybeFinish();
  }

  private _onWorkerGone(entry: PoolWorker, error: Error): void {
    const index = this._workers.indexOf(entry);
    if (index < 0) return;
    this._workers.splice(index, 1);
    const idleIndex = this._idle.indexOf(entry);
    if (idleIndex >= 0) this._idle.splice(idleIndex, 1);
    const job = entry.job;
    entry.job = null;
    if (job !== null) futureSetExceptionUnlessCancelled(job.future, error);
    // Keep the queue moving with a replacement worker.
    if (this._queue.length > 0) {
      const replacement = this._spawnIfAllowed();
      const next = this._queue.shift();
      if (replacement !== undefined && next !== undefined) this._dispatch(replacement, next);
    }
    this._maybeFinish();
  }

  private _maybeFinish(): void {
    if (!this._shutdown || this._queue.length > 0) return;
    if (this._workers.some((w) => w.job !== null)) return;
    const workers = this._workers.splice(0);
    this._idle.length = 0;
    for (const { worker } of workers) void worker.terminate();
    const drained = this._drained;
    this._drained = null;
    drained?.();
  }
}
