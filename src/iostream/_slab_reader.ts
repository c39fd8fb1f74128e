/**
 * `SlabReader`: the `onread` hook of the sockets `IOStream` makes itself. Node then reads
 * each time into the next free part of a slab this reader owns, instead of allocating a
 * 64 KiB Buffer per read and emitting it as a `data` event.
 *
 * Consecutive reads land next to each other in one slab, so `StreamBuffer` joins them
 * into one chunk and a result that straddles two reads is still a view, not a copy. Each
 * part of a slab is handed to the kernel once and never again, so a view given out as a
 * result is never overwritten; it does keep its slab (up to `SLAB_SIZE`) alive for as long
 * as it is referenced (Node's `data` path shrinks each read's 64 KiB Buffer to the bytes
 * read, so there a small result pins only its own read). In exchange there is one
 * allocation per slab rather than per read, and no Readable machinery or event per read.
 *
 * Only plain TCP sockets support `onread`; streams over sockets they were given, and TLS
 * streams, use `data` events.
 *
 * Internal to `iostream`.
 */
import type * as net from "node:net";

/**
 * Bytes per slab: eight reads' worth, so a 64 KiB result straddles two slabs (and is
 * copied) about once in eight. 1 MiB slabs made `readUntil` over short lines about 15%
 * slower (more GC time) in bench/iostream.bench.ts; 256 KiB copied twice as often.
 */
const SLAB_SIZE = 512 * 1024;
/**
 * The most one read may take, as on Node's `data` path (64 KiB): the read-ahead and
 * `maxBufferSize` checks then see the data in the same steps. A new slab starts when
 * less than this is left.
 */
const READ_SIZE = 64 * 1024;

/** Hands Node the memory each socket read goes to, and the bytes read to `sink`. */
export class SlabReader {
  /** Receives each read (a view of the slab); null while no stream listens. */
  sink: ((chunk: Buffer) => void) | null = null;
  private _slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  private _used = 0;

  /** The `onread` option for `new net.Socket(...)`. */
  get options(): net.OnReadOpts {
    return { buffer: this._next, callback: this._onRead };
  }

  /** Where the next read goes: the free end of the slab, or a new slab. */
  private readonly _next = (): Buffer => {
    if (SLAB_SIZE - this._used < READ_SIZE) {
      this._slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this._used = 0;
    }
    return this._slab.subarray(this._used, this._used + READ_SIZE);
  };

  private readonly _onRead = (bytes: number, buffer: Uint8Array): boolean => {
    const chunk = buffer as Buffer;
    this._used += bytes;
    this.sink?.(chunk.subarray(0, bytes));
    return true;
  };
}
