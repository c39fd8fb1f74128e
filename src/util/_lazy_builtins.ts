/**
 * Node built-ins that tornado-ts loads on first use instead of at start-up: `node:tls`
 * and `node:worker_threads`, which a program that makes plain-HTTP requests and starts no
 * worker never needs. Loaded up front they add about 1.4 MiB to the resident memory of
 * every process (on Node 20, on top of `node:http`: compare
 * `node --expose-gc -e "require('http'); gc(); console.log(process.memoryUsage.rss())"`
 * with the same after `require('tls'); require('worker_threads')`).
 *
 * Internal to tornado-ts.
 */
import type * as Tls from "node:tls";
import type * as WorkerThreads from "node:worker_threads";

/* eslint-disable @typescript-eslint/no-require-imports -- loading later is the point */

let tls: typeof Tls | null = null;
let workerThreads: typeof WorkerThreads | null = null;

/** `node:tls`, loaded on the first call. */
export function tlsModule(): typeof Tls {
  return (tls ??= require("node:tls") as typeof Tls);
}

/** `node:worker_threads`, loaded on the first call. */
export function workerThreadsModule(): typeof WorkerThreads {
  return (workerThreads ??= require("node:worker_threads") as typeof WorkerThreads);
}
