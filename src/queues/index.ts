/**
 * tornado-ts `queues`: asynchronous queues for tasks on one `IOLoop` (mirrors
 * `tornado.queues`): `Queue`, `PriorityQueue`, `LifoQueue`, `QueueEmpty`, `QueueFull`.
 *
 * Like Tornado's, these queues are not thread-safe: use them from the loop's thread.
 * `put`, `get` and `join` return Futures; timeouts are deadlines as in Tornado (a number
 * is an absolute `IOLoop.time()`, a `TimeDelta` relative).
 *
 * @module
 */
export { Queue } from "./queue";
export { PriorityQueue, type PriorityQueueOptions } from "./priority_queue";
export { LifoQueue } from "./lifo_queue";
export { QueueEmpty, QueueFull } from "./errors";
