/**
 * `WriteQueue`: the Futures of a stream's writes, resolved in order as Node reports their
 * bytes handed to the kernel (the `_write_futures` of Tornado's `BaseIOStream`).
 *
 * Node calls the callbacks of `socket.write` in write order, so the queue only needs to
 * resolve its head on each callback. A write of no bytes never reaches the socket; it
 * resolves once every write before it has (and, while connecting, after the connect).
 *
 * Internal to `iostream`.
 */
import { Future, futureSetResultUnlessCancelled } from "../concurrent";

interface Entry {
  readonly future: Future<void>;
  /** Bytes of the write; 0 for a write of no bytes. */
  readonly size: number;
}

const DONE: Entry = { future: new Future<void>(), size: 0 };

/** The pending writes of one stream, in order. */
export class WriteQueue {
  private readonly _entries: Entry[] = [];
  private _head = 0;
  private _bytes = 0;

  /** Bytes written but not yet handed to the kernel. */
  get bytes(): number {
    return this._bytes;
  }

  /** True when no write is pending. */
  get idle(): boolean {
    return this._head === this._entries.length;
  }

  /**
   * A Future for a write of `size` bytes. A write of no bytes with nothing before it, on
   * a connected socket, is resolved at once.
   */
  add(size: number, connecting: boolean): Future<void> {
    const future = new Future<void>();
    if (size === 0 && this.idle && !connecting) {
      future.setResult();
      return future;
    }
    this._entries.push({ future, size });
    this._bytes += size;
    return future;
  }

  /** The oldest write with bytes reached the kernel: resolve it and the empty ones after it. */
  written(): void {
    const entry = this._entries[this._head];
    this._entries[this._head++] = DONE;
    this._bytes -= entry.size;
    futureSetResultUnlessCancelled(entry.future, undefined);
    this.resolveEmpty();
  }

  /** Resolves the writes of no bytes at the head (everything before them is done). */
  resolveEmpty(): void {
    const entries = this._entries;
    while (this._head < entries.length && entries[this._head].size === 0) {
      const entry = entries[this._head];
      entries[this._head++] = DONE;
      futureSetResultUnlessCancelled(entry.future, undefined);
    }
    if (this._head === entries.length) {
      entries.length = 0;
      this._head = 0;
    }
  }

  /** Empties the queue and returns the Futures that were still pending. */
  drain(): Future<void>[] {
    const pending = this._entries.slice(this._head).map((entry) => entry.future);
    this._entries.length = 0;
    this._head = 0;
    this._bytes = 0;
    return pending;
  }
}
