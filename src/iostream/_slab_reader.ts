/**
 * `SlabReader`: the `onread` hook of the sockets `IOStream` makes itself. Node then reads
 * each time into the next free part of a slab this reader owns, instead of allocating a
 * 64 KiB Buffer per read and emitting it as a `data` event.
 *
 * Consecutive reads land next to each other in one slab, so `StreamBuffer` joins them
 * into one chunk and a result that straddles two reads is still a view, not a copy. A part
 * of a slab that was given out as a view is never handed to the kernel again, so a
 * result is never overwritten; it does keep its slab (up to `SLAB_SIZE`) alive for as long
 * as it is referenced (Node's `data` path shrinks each read's 64 KiB Buffer to the bytes
 * read, so there a small result pins only its own read). In exchange there is one
 * allocation per slab rather than per read, and no Readable machinery or event per read.
 *
 * A small read (under `COPY_BELOW` bytes: a keep-alive connection's short responses) is
 * copied out instead, and the next read reuses its part of the slab. Handed out as views,
 * such reads would use up a slab every few hundred responses; a slab outlives several
 * young-generation collections, so V8 promotes it, and the dead ones then pile up until
 * the next full collection (about 20 MiB for fifty connections in
 * bench/httpclient.bench.ts, against 0.1 MiB for node:http, whose reads are trimmed to
 * their size).
 *
 * A consumer that is done with a read's bytes as soon as it has them (an HTTP body handed
 * to a `streamingCallback` with `transientChunks`) gives them back with {@link
 * SlabReader.release} while the read is being handed over. When every byte of the read
 * came back that way, the next read goes to the same place: a download then cycles
 * through one read's worth of memory that stays mapped, instead of a fresh slab every two
 * reads, each of which a collection frees only tens of MiB later; in a fresh process
 * that memory is mapped for the first time, page by page (see docs/benchmarks.md, "What
 * limits (c)"). While its consumer keeps up, such a recycled read is also kept small
 * (`RECYCLED_READ_SIZE`): see there why.
 *
 * Only plain TCP sockets support `onread`; streams over sockets they were given, and TLS
 * streams, use `data` events.
 *
 * Internal to `iostream`.
 */
import type * as net from "node:net";

/**
 * Bytes per slab once reads have grown to `READ_SIZE`: a 64 KiB result straddles two
 * slabs (and is copied) about once in eight. 1 MiB and 2 MiB slabs made `readUntil` over
 * short lines 15-25% slower (more GC time) in bench/iostream.bench.ts; 256 KiB copied twice
 * as often. A slab is twice the read size (see `slabSize`), never less than `MIN_SLAB_SIZE`,
 * except a stream's first, which holds one first read.
 */
const SLAB_SIZE = 512 * 1024;
/** The smallest slab: room for four first reads. */
const MIN_SLAB_SIZE = 64 * 1024;
/**
 * The most one read may take: four times Node's `data` path (64 KiB), so that a stream
 * whose data comes fast makes fewer read calls and wakeups. With 64 KiB reads,
 * `readBytes(64 KiB)` used about 15% more CPU per MiB than a raw `data` consumer in
 * bench/iostream.bench.ts (it drains the socket sooner, so its reads come back smaller
 * and it polls twice as often); with 256 KiB, about as much. The read-ahead and
 * `maxBufferSize` checks see the data in steps of up to this size (see `readSize`). A
 * new slab starts when less than a read is left.
 */
const READ_SIZE = 256 * 1024;
/**
 * The size of a stream's first reads. Reads start small and double each time one comes
 * back full, up to `readSize`: a keep-alive connection that carries small responses never
 * grows, and as its reads are copied out (see `COPY_BELOW`) it keeps its first slab, of
 * one read, for ever: fifty of them hold 800 KiB, where 512 KiB slabs would take 25 MiB
 * (which `process.memoryUsage().arrayBuffers` counts in full, and which pressed V8 into
 * earlier full GCs). A bulk transfer reaches 256 KiB reads after four full reads (64 KiB).
 */
const FIRST_READ_SIZE = 16 * 1024;
/**
 * The size of a read into memory whose previous read came back whole through `release`
 * (a "recycled" read), while the consumer keeps up with the socket: fewer than
 * `FULL_RUN` full reads in a row. Measured on the 100 MiB loopback download of
 * bench/httpclient.bench.ts (docs/benchmarks.md, "What limits (c)"): with 32 KiB reads
 * instead of 256 KiB, a warm `transientChunks` download ran 8-15% faster, and a bare
 * socket reading into one buffer likewise gained the more the smaller its reads, down to
 * 16-32 KiB; the memory's being warm in the cache was not the cause (reads spread over 1
 * MiB did as well). A fresh process's first download, while V8 still interprets the read
 * path, pays for the more numerous reads: about 10% slower. A consumer that falls
 * behind (a hash at 800 MB/s) fills every read, and gets the grown read size back after
 * `FULL_RUN` of them: 32 KiB reads throughout had cost it 22%.
 */
const RECYCLED_READ_SIZE = 32 * 1024;
/** Full reads in a row after which a recycled read is no longer kept small. */
const FULL_RUN = 4;
/** The cap of the read size is never below Node's own 64 KiB reads. */
const MIN_READ_SIZE = 64 * 1024;
/**
 * After this many reads in a row that filled at most a quarter of the read size, the read
 * size halves (down to `FIRST_READ_SIZE`): a connection whose big transfer is over goes
 * back to small slabs.
 */
const SHRINK_AFTER = 16;

/**
 * Reads of fewer bytes are copied out of the slab (see the module header). Below Node's
 * pool limit (4 KiB) the copy is a slice of Node's shared 8 KiB pool, as cheap as
 * allocations get; a bulk transfer's reads are far larger.
 */
const COPY_BELOW = 4 * 1024;

/** The slab for reads of `readSize` bytes: room for two of them. */
function slabSize(readSize: number): number {
  return Math.min(SLAB_SIZE, Math.max(MIN_SLAB_SIZE, 2 * readSize));
}

/** Hands Node the memory each socket read goes to, and the bytes read to `sink`. */
export class SlabReader {
  /** Receives each read (a view of the slab); null while no stream listens. */
  sink: ((chunk: Buffer) => void) | null = null;
  /**
   * The most one read may take, kept between 64 KiB and 256 KiB. A stream sets it to half
   * its `maxBufferSize` (Tornado's reads take at most half of `max_buffer_size`), so that
   * a read that outgrows a small limit still fails, as it did with 64 KiB reads, rather
   * than being satisfied by one larger socket read. Reads start at 16 KiB and grow to it
   * (see `FIRST_READ_SIZE`).
   */
  readSize = READ_SIZE;
  /** The size of the next read: from `FIRST_READ_SIZE`, doubled by each full read. */
  private _size = FIRST_READ_SIZE;
  /** Reads in a row that filled at most a quarter of `_size`. */
  private _smallReads = 0;
  /** Reads in a row that filled all the memory they were given. */
  private _fullReads = 0;
  /** True when the last read's memory came back whole, and the next read reuses it. */
  private _recycled = false;
  private _slab: Buffer = Buffer.allocUnsafeSlow(FIRST_READ_SIZE);
  private _used = 0;
  /** True while reads go to a region made by {@link collect}. */
  private _collecting = false;
  /** Slabs allocated so far, the first included (for tests). */
  slabsMade = 1;
  /** Where in `_slab` the read being handed to `sink` ends; -1 between reads. */
  private _readEnd = -1;
  /** How far from its start that read has been given back through `release`. */
  private _releasedTo = 0;

  /** The size the next read will ask for (for tests and the stream's bookkeeping). */
  get currentReadSize(): number {
    const size = Math.min(this._size, Math.max(MIN_READ_SIZE, Math.min(this.readSize, READ_SIZE)));
    return this._recycled && this._fullReads < FULL_RUN ? Math.min(size, RECYCLED_READ_SIZE) : size;
  }

  /**
   * Sends every later read into one region with room for `capacity` bytes, after its
   * first `prefixLength` bytes, which the caller fills (with what it holds already): the
   * whole body of a `readUntilClose` then lies in one piece and is returned without a copy.
   * Only the pages the kernel writes take memory (`allocUnsafeSlow` leaves the rest
   * unwritten, so the OS has not committed it), but the region counts in full in
   * `process.memoryUsage().arrayBuffers`, and every result from it keeps it all. When the
   * region is full, reads go back to ordinary slabs.
   *
   * @returns the region, or null when it cannot be allocated (reads then stay in slabs).
   */
  collect(capacity: number, prefixLength: number): Buffer | null {
    let region: Buffer;
    try {
      // Room for one more read than `capacity`, and for one read already under way.
      region = Buffer.allocUnsafeSlow(Math.max(capacity, prefixLength) + 2 * READ_SIZE);
    } catch {
      return null;
    }
    this._slab = region;
    this._used = prefixLength;
    this._collecting = true;
    this._recycled = false;
    return region;
  }

  /** The `onread` option for `new net.Socket(...)`. */
  get options(): net.OnReadOpts {
    return { buffer: this._next, callback: this._onRead };
  }

  /** Where the next read goes: the free end of the slab, or a new slab. */
  private readonly _next = (): Buffer => {
    const readSize = this.currentReadSize;
    if (this._slab.length - this._used < readSize) {
      this._slab = Buffer.allocUnsafeSlow(slabSize(readSize));
      this.slabsMade++;
      this._used = 0;
      this._collecting = false;
    }
    return this._slab.subarray(this._used, this._used + readSize);
  };

  /**
   * Grows the read size after a full read; shrinks it after a run of small ones. A full
   * recycled read, smaller than the grown size, does not bring the size down to its double.
   */
  private _adapt(bytes: number, asked: number): void {
    if (bytes >= asked) {
      this._smallReads = 0;
      this._fullReads++;
      this._size = Math.min(READ_SIZE, Math.max(this._size, 2 * asked));
      return;
    }
    this._fullReads = 0;
    if (bytes * 4 <= asked && asked > FIRST_READ_SIZE) {
      if (++this._smallReads >= SHRINK_AFTER) {
        this._smallReads = 0;
        this._size = Math.max(FIRST_READ_SIZE, asked / 2);
      }
    } else {
      this._smallReads = 0;
    }
  }

  private readonly _onRead = (bytes: number, buffer: Uint8Array): boolean => {
    const chunk = buffer as Buffer;
    this._adapt(bytes, chunk.length);
    if (this._collecting && chunk.buffer !== this._slab.buffer) {
      // A read Node had asked memory for before `collect` landed in the old slab: move it
      // into the region (at most one read's worth), so the body stays one piece.
      const moved = this._slab.subarray(this._used, this._used + bytes);
      chunk.copy(moved, 0, 0, bytes);
      this._used += bytes;
      this.sink?.(moved);
      return true;
    }
    if (bytes < COPY_BELOW && !this._collecting) {
      // `_used` stays: the next read goes to the same place (see the module header).
      const copy = Buffer.allocUnsafe(bytes);
      chunk.copy(copy, 0, 0, bytes);
      this.sink?.(copy);
      return true;
    }
    const start = this._used;
    this._used += bytes;
    this._readEnd = this._used;
    this._releasedTo = start;
    try {
      this.sink?.(chunk.subarray(0, bytes));
    } finally {
      // Node asks `_next` for the next read's memory only after this returns, so the
      // region can still be taken back. Not when `collect` was called meanwhile.
      this._recycled =
        this._releasedTo === this._readEnd && this._used === this._readEnd && !this._collecting;
      if (this._recycled) this._used = start;
      this._readEnd = -1;
    }
    return true;
  };

  /**
   * Gives back `view`, part of the read being handed to `sink`, whose consumer has done
   * with it: nothing refers to those bytes any more. Pieces count in order: a view counts
   * when it starts where the read's given-back part ends. Once the whole read is back
   * (the stream kept none of it), the next read may overwrite it. Anything else (a view
   * out of order or given twice, of an earlier read, of a copy, or a call outside the
   * handing over) is ignored, which is always safe: memory is reused only when every
   * byte of the read came back, in order, while it was being handed over.
   */
  release(view: Uint8Array): void {
    if (this._readEnd < 0 || view.buffer !== this._slab.buffer) return;
    const start = view.byteOffset - this._slab.byteOffset;
    if (start === this._releasedTo && start + view.length <= this._readEnd) {
      this._releasedTo += view.length;
    }
  }
}
