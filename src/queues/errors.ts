/**
 * Errors of `queues` (mirrors `tornado.queues.QueueEmpty` and `QueueFull`).
 */

/**
 * `Queue.getNowait()` found no item.
 *
 * @example
 * try { q.getNowait(); } catch (e) { if (e instanceof QueueEmpty) console.log("nothing yet"); }
 */
export class QueueEmpty extends Error {
  override name = "QueueEmpty";
  constructor(message = "Queue is empty", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * `Queue.putNowait()` found the queue at its `maxsize`.
 *
 * @example
 * try { q.putNowait(job); } catch (e) { if (e instanceof QueueFull) console.log(e.maxsize); }
 */
export class QueueFull extends Error {
  override name = "QueueFull";
  constructor(
    /** The queue's `maxsize` when the put failed. */
    readonly maxsize: number,
    options?: ErrorOptions,
  ) {
    super(`Queue is full (maxsize ${maxsize})`, options);
  }
}
