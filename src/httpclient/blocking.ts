/**
 * `HTTPClient`: the blocking HTTP client (mirrors `tornado.httpclient.HTTPClient`).
 *
 * Tornado's blocking client runs an `AsyncHTTPClient` on a private `IOLoop` inside
 * `fetch()`. JavaScript cannot run a loop inside a call, so here the private loop and its
 * `AsyncHTTPClient` live on a `worker_thread`; `fetch()` posts the request there and
 * sleeps in `Atomics.wait` on a `SharedArrayBuffer` until the worker has posted the
 * answer, which it then takes with `receiveMessageOnPort`. No busy loop, no event-loop
 * turn in the caller's thread.
 *
 * Differences from Tornado, all forced by the thread boundary:
 * - The request crosses by structured clone, so options that are functions
 *   (`streamingCallback`, `headerCallback`, `bodyProducer`) and a `tls.SecureContext` as
 *   `sslOptions` are refused with a `TypeError`; a plain `SSLOptions` object is fine.
 *   The same goes for the constructor's options (no `resolver` instance).
 * - `AsyncHTTPClient.configure()` made in the calling thread does not reach the worker,
 *   which always runs the default `SimpleAsyncHTTPClient`; pass its options
 *   (`maxClients`, `defaults`, ...) to the constructor instead of `async_client_class`.
 * - Errors are rebuilt in the caller's thread: `HTTPClientError` (with its `response`),
 *   `HTTPTimeoutError` and `HTTPStreamClosedError` keep their class; any other error
 *   arrives as an `Error` (or the built-in class of the same name) with the original
 *   `name`, `message`, `code` (`ECONNREFUSED`...) and `cause`. Stacks are the caller's.
 * - Calling `fetch()` from inside a running `IOLoop` is allowed (Tornado refuses, #2838)
 *   but blocks that loop for the whole request: a server living in the same thread can
 *   never answer, so the fetch ends in "Timeout during request". Use `AsyncHTTPClient`
 *   there.
 * - The first `fetch()` also waits for the worker to start (tens of milliseconds from
 *   dist/, longer from TypeScript sources).
 *
 * The worker holds no reference on the process: a client that is never closed does not
 * keep it alive, and `close()` terminates the thread.
 *
 * @module
 */
import * as path from "node:path";
import type { MessagePort, Worker } from "node:worker_threads";
import { RuntimeError } from "../util";
import { workerThreadsModule } from "../util/_lazy_builtins";
import {
  assertCloneable,
  errorFromWire,
  requestToWire,
  responseFromWire,
  SIGNAL,
  type BlockingWorkerData,
  type WireFetch,
  type WireReply,
} from "./_blocking_wire";
import type { AsyncHTTPClientOptions, FetchOptions } from "./base";
import { HTTPRequest } from "./request";
import type { HTTPResponse } from "./response";

/**
 * Options of {@link HTTPClient}: those of the `AsyncHTTPClient` it runs (Tornado's
 * `**kwargs`), such as `defaults`, `maxClients`, `maxBodySize`. They must be plain data.
 */
export type HTTPClientOptions = Omit<AsyncHTTPClientOptions, "forceInstance">;

/**
 * The program the worker runs. From TypeScript sources (tests, ts-node) the worker has no
 * TypeScript loader of its own, so it registers ts-node before loading the `.ts` entry;
 * from dist/ it loads the compiled `.js` next to this file.
 */
const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { port, signal } = workerData;
const wake = (state) => {
  Atomics.store(signal, 0, state);
  Atomics.notify(signal, 0);
};
// However this thread ends, the caller must not sleep on.
process.on("exit", () => wake(${SIGNAL.GONE}));
try {
  if (workerData.tsNode !== null && require.extensions[".ts"] === undefined) {
    require(workerData.tsNode).register({ transpileOnly: true, projectSearchDir: workerData.projectDir });
  }
  require(workerData.entry).runBlockingWorker(workerData);
} catch (error) {
  // Could not load the client: answer every fetch with the reason.
  const hint = workerData.tsNode === null && workerData.entry.endsWith(".ts") ? " (from TypeScript sources it needs ts-node)" : "";
  const message = "HTTPClient worker failed to start" + hint + ": " + (error && error.message);
  port.on("message", (job) => {
    port.postMessage({ id: job.id, ok: false, error: { name: "RuntimeError", message } });
    wake(${SIGNAL.REPLIED});
  });
}
`;

/** Where the worker entry is, and how to load it, for this copy of the module. */
function workerEntry(): { entry: string; tsNode: string | null; projectDir: string } {
  const fromSource = path.extname(__filename) === ".ts";
  const entry = path.join(__dirname, `_blocking_worker${fromSource ? ".ts" : ".js"}`);
  let tsNode: string | null = null;
  if (fromSource) {
    try {
      tsNode = require.resolve("ts-node", { paths: [__dirname] });
    } catch {
      // Without ts-node the worker cannot load the .ts entry; fetch() then says so.
    }
  }
  return { entry, tsNode, projectDir: __dirname };
}

/** What a client owns; also what the finalizer releases if it is dropped unclosed. */
interface WorkerHandle {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** An error the worker thread died of, if it did. */
  crash: Error | null;
}

function release(handle: WorkerHandle): void {
  handle.port.close();
  void handle.worker.terminate();
}

/** Tornado's `__del__`: a client collected without `close()` still ends its thread. */
const finalizer = new FinalizationRegistry<WorkerHandle>(release);

/**
 * A blocking HTTP client: `fetch()` returns the `HTTPResponse` itself, or throws.
 *
 * For scripts and tests that are not built around an `IOLoop`; code running on a loop
 * should use `AsyncHTTPClient` (see the module notes on what crosses the thread).
 *
 * @example
 * const client = new HTTPClient();
 * try {
 *   const response = client.fetch("http://127.0.0.1:8888/");
 *   console.log(response.body.toString());
 * } catch (e) {
 *   console.log("Error: " + e);
 * }
 * client.close();
 */
export class HTTPClient {
  private readonly _handle: WorkerHandle;
  private readonly _signal = new Int32Array(new SharedArrayBuffer(4));
  private _nextId = 1;
  private _closed = false;

  /**
   * Starts the worker thread and its `AsyncHTTPClient` (built with these options and
   * `forceInstance`).
   *
   * @throws `TypeError` if an option cannot be sent to the worker (a function, a
   *   `SecureContext`, a class instance such as a `Resolver`).
   */
  constructor(options: HTTPClientOptions = {}) {
    assertCloneable(options, "options");
    const { MessageChannel, Worker } = workerThreadsModule();
    const { port1, port2 } = new MessageChannel();
    const where = workerEntry();
    const workerData: BlockingWorkerData & typeof where = {
      port: port2,
      signal: this._signal,
      clientOptions: options,
      ...where,
    };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData,
      transferList: [port2],
    });
    // Neither the thread nor our end of the channel keeps the process alive.
    worker.unref();
    port1.unref();
    // The handle, not `this`, records a crash: the finalizer holds the handle strongly.
    const handle: WorkerHandle = { worker, port: port1, crash: null };
    worker.on("error", (error) => {
      handle.crash = error;
    });
    this._handle = handle;
    finalizer.register(this, this._handle, this);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Ends the worker thread and its connections. Idempotent. A later `fetch()` throws.
   *
   * @example
   * client.close();
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    finalizer.unregister(this);
    release(this._handle);
  }

  /**
   * Fetches `request` (a URL, or an `HTTPRequest`) and returns the response, blocking
   * this thread until it is complete. With a URL, `options` are the `HTTPRequest`
   * options plus `raiseError`.
   *
   * @throws `HTTPClientError` for a non-2xx response (its `response` holds it) unless
   *   `raiseError: false`; `HTTPTimeoutError` / `HTTPStreamClosedError` (599);
   *   connection errors as `Error` with their `code` (`ECONNREFUSED`, `ENOTFOUND`...);
   *   `TypeError` for an option that cannot cross to the worker (a callback, a
   *   `SecureContext`), or for `options` given with an `HTTPRequest`;
   *   `RuntimeError` "fetch() called on closed HTTPClient" after `close()`, or if the
   *   worker thread died.
   * @example
   * const response = client.fetch(url, { method: "POST", body: "a=1" });
   * const maybe404 = client.fetch(url, { raiseError: false }); // maybe404.code === 404
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): HTTPResponse {
    if (this._closed) throw new RuntimeError("fetch() called on closed HTTPClient");
    const { raiseError = true, ...requestOptions } = options;
    let httpRequest: HTTPRequest;
    if (request instanceof HTTPRequest) {
      const given = Object.entries(requestOptions)
        .filter(([, value]) => value !== undefined)
        .map(([key]) => key);
      if (given.length > 0) {
        throw new TypeError(
          `options can't be used if request is an HTTPRequest object (got ${given.join(", ")})`,
        );
      }
      httpRequest = request;
    } else {
      httpRequest = new HTTPRequest(request, requestOptions);
    }
    const job: WireFetch = {
      id: this._nextId++,
      request: requestToWire(httpRequest),
      raiseError,
    };
    const reply = this._roundTrip(job);
    if (reply.ok) return responseFromWire(httpRequest, reply.response);
    const error = errorFromWire(httpRequest, reply.error);
    // The stack of the rebuilt error starts at the caller of fetch(), not in the rebuilding.
    Error.captureStackTrace(error, HTTPClient.prototype.fetch);
    throw error;
  }

  /** Posts `job` and sleeps until the worker's reply to it is on the port. */
  private _roundTrip(job: WireFetch): WireReply {
    const { port } = this._handle;
    Atomics.store(this._signal, 0, SIGNAL.PENDING);
    port.postMessage(job);
    for (;;) {
      // Sleeps until the worker stores REPLIED or GONE; returns at once if it already has.
      Atomics.wait(this._signal, 0, SIGNAL.PENDING);
      const state = Atomics.load(this._signal, 0);
      const { receiveMessageOnPort } = workerThreadsModule();
      for (
        let received = receiveMessageOnPort(port);
        received;
        received = receiveMessageOnPort(port)
      ) {
        const reply = received.message as WireReply;
        // Replies to an earlier fetch (abandoned when the worker died) are dropped.
        if (reply.id === job.id) return reply;
      }
      if (state === SIGNAL.GONE) {
        this.close();
        const crash = this._handle.crash;
        const why = crash === null ? "" : `: ${crash.message}`;
        throw new RuntimeError(`HTTPClient worker thread exited${why}`, {
          cause: crash ?? undefined,
        });
      }
      // Woken without our reply: wait again for the next store.
      Atomics.compareExchange(this._signal, 0, SIGNAL.REPLIED, SIGNAL.PENDING);
    }
  }
}
