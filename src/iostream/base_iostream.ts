/**
 * `BaseIOStream`: reading, writing and closing over a Node socket (mirrors
 * `tornado.iostream.BaseIOStream`).
 *
 * Tornado's stream reads a non-blocking socket when a read asks for data, so the socket's
 * kernel buffer is its back-pressure. A Node socket pushes `data` events instead; this
 * stream keeps them in a {@link StreamBuffer} and applies the same discipline with
 * `pause()`/`resume()`:
 * - While a read is pending and the buffer cannot satisfy it, the socket flows. If the
 *   buffer then grows past `maxBufferSize`, the stream closes ("Reached maximum read buffer
 *   size"), as Tornado's does.
 * - Otherwise the socket keeps flowing until the buffer holds `readAhead` bytes (default
 *   the larger of `readChunkSize` and 1 MiB, never above `maxBufferSize`) and is then
 *   paused; the next read that the buffer cannot satisfy resumes it. Pausing at a
 *   threshold rather than after every read keeps `pause`/`resume` off the hot path.
 *
 * Reads run one at a time and settle through their Future; data already buffered
 * satisfies a read before the call returns (the Future is done on return).
 * `tryReadUntil`/`tryReadBytes` take buffered data with no Future at all, or return null
 * (not in Tornado: they spare a line loop an `await` per line). A result that
 * lies inside one received chunk is a view of it, not a copy (see `StreamBuffer` on what
 * that means for keeping results). Writes hand their bytes to the socket at once; a
 * write's Future resolves when Node reports the bytes written to the kernel, in the order
 * of the writes.
 *
 * Searches never rescan: `readUntil` resumes where its last search stopped (a delimiter
 * split across chunks is still found); `readUntilRegex`, whose matches cannot be resumed,
 * searches again only when the buffer has doubled, or once a burst of data events is over.
 *
 * Differences from Tornado, beyond the socket model above:
 * - `readUntilClose` fails (StreamClosedError, realError StreamBufferFullError) when the
 *   data outgrows `maxBufferSize`; Tornado resolves it with the truncated buffer.
 * - `startTls` (on `IOStream`) accepts bytes that arrived before it was called and hands
 *   them to TLS; Tornado's socket would still hold them in the kernel.
 * - `readUntilRegex` matches a latin1 view of the bytes (one character per byte).
 */
import type * as net from "node:net";
import { Future } from "../concurrent";
import { IOLoop } from "../ioloop";
import { genLog } from "../log";
import { RuntimeError } from "../util";
import { StreamBufferFullError, StreamClosedError, UnsatisfiableReadError } from "./errors";
import { failQuietly, PendingRead, type ReadSink } from "./_pending_read";
import type { SlabReader } from "./_slab_reader";
import { StreamBuffer } from "./stream_buffer";
import { WriteQueue } from "./_write_queue";

/**
 * Options of every stream's constructor (sizes in bytes).
 *
 * @example
 * const stream = new IOStream(socket, { maxBufferSize: 1024 * 1024, maxWriteBufferSize: 65536 });
 */
export interface IOStreamOptions {
  /**
   * The most bytes a read may need buffered before the stream gives up and closes
   * ("Reached maximum read buffer size"). Default 100 MiB, as in Tornado.
   */
  maxBufferSize?: number;
  /**
   * The most bytes of writes not yet handed to the kernel; a `write` beyond it throws
   * `StreamBufferFullError`. Default: no limit.
   */
  maxWriteBufferSize?: number | null;
  /**
   * Tornado's read size. Node reads in its own pieces (64 KiB; on a socket the stream
   * made itself, 16 KiB at first, doubling after each full read up to 256 KiB), so here it
   * is a floor of the read-ahead (see `readAhead`).
   * Default min(64 KiB, maxBufferSize / 2).
   */
  readChunkSize?: number;
  /**
   * How many bytes the stream reads before a read asks for them; past that the socket is
   * paused. Default the larger of `readChunkSize` and 1 MiB, capped at `maxBufferSize`.
   */
  readAhead?: number;
}

const DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024;
const DEFAULT_READ_CHUNK_SIZE = 64 * 1024;
/** See the module header and the measurements in bench/iostream.bench.ts. */
const DEFAULT_READ_AHEAD = 1024 * 1024;
/**
 * A `readUntilClose` body that grows past this many bytes is read on into one region (see
 * `_collectBody`); smaller bodies do not reserve one.
 */
const COLLECT_AFTER = 8 * 1024 * 1024;
/** The largest region reserved for one body; a longer body spills into slabs again. */
const MAX_COLLECT = 1024 * 1024 * 1024;

/** Errors that mean "the peer went away": the stream closes without logging them. */
const CONNRESET_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True for errors that mean the peer reset or dropped the connection. */
export function isConnReset(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONNRESET_CODES.has(code);
}

/**
 * The machinery shared by {@link IOStream} and {@link SSLIOStream}: buffered reads, ordered
 * writes, close handling and back-pressure over a `net.Socket` (or `tls.TLSSocket`).
 * Construct `IOStream` or `SSLIOStream`; this class has no way to connect.
 *
 * @example
 * // An echo server: each accepted socket becomes a stream.
 * net.createServer((socket) => {
 *   const stream = new IOStream(socket);
 *   void (async () => {
 *     for (;;) await stream.write(await stream.readUntil("\n"));
 *   })().catch(() => stream.close());
 * }).listen(8888);
 */
export class BaseIOStream {
  /** See {@link IOStreamOptions.maxBufferSize}. */
  readonly maxBufferSize: number;
  /** See {@link IOStreamOptions.maxWriteBufferSize}; null for no limit. */
  readonly maxWriteBufferSize: number | null;
  /** See {@link IOStreamOptions.readChunkSize}. */
  readonly readChunkSize: number;
  /**
   * What closed the stream, when something did: the Node socket error, an
   * `UnsatisfiableReadError`, a `StreamBufferFullError`, or the error given to `close`.
   */
  error: Error | null = null;

  /** The loop the stream belongs to: the close callback runs there. */
  protected readonly _ioLoop: IOLoop;
  protected _socket: net.Socket;
  protected _closed = false;
  protected _connecting = false;
  protected _connectFuture: Future<any> | null = null;
  private _unregister: (() => void) | null;
  private _closeCallback: (() => unknown) | null = null;
  private readonly _buffer = new StreamBuffer();
  private readonly _readAhead: number;
  private _paused = false;
  private _peer: string | null = null;
  private _read: PendingRead | null = null;
  /** A deferred regex search (see `PendingRead.shouldDeferSearch`). */
  private _searchImmediate: NodeJS.Immediate | null = null;
  private readonly _writes = new WriteQueue();
  /** The last string delimiter and its bytes: `readUntil("\r\n")` in a loop encodes once. */
  private _delimiterText: string | null = null;
  private _delimiterBytes: Buffer | null = null;
  /** The `onread` hook of a socket the stream made itself (see `SlabReader`). */
  private _reader: SlabReader | null = null;
  /** `_collectBody` has run (it runs once: `readUntilClose` ends the stream). */
  private _collectTried = false;

  constructor(socket: net.Socket, options: IOStreamOptions = {}) {
    this.maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    this.maxWriteBufferSize = options.maxWriteBufferSize ?? null;
    this.readChunkSize = Math.min(
      options.readChunkSize ?? DEFAULT_READ_CHUNK_SIZE,
      Math.floor(this.maxBufferSize / 2),
    );
    this._readAhead = Math.min(
      options.readAhead ?? Math.max(this.readChunkSize, DEFAULT_READ_AHEAD),
      this.maxBufferSize,
    );
    this._ioLoop = IOLoop.current();
    this._socket = socket;
    this._attach(socket);
    this._unregister = this._ioLoop._registerCloseable(this);
  }

  /** The socket the stream reads and writes (a `tls.TLSSocket` once TLS is on). */
  get socket(): net.Socket {
    return this._socket;
  }

  /** True once the stream is closed. Buffered data can still be read. */
  closed(): boolean {
    return this._closed;
  }

  /** True while a read is pending. */
  reading(): boolean {
    return this._read !== null;
  }

  /** True while written bytes wait to be handed to the kernel. */
  writing(): boolean {
    return this._writes.bytes > 0;
  }

  /** Bytes received and not yet taken by a read (an idle keep-alive stream should have none). */
  get bufferedBytes(): number {
    return this._buffer.length;
  }

  /**
   * Calls `callback` (on the stream's IOLoop) once the stream closes, whoever closes it.
   * Replaces the previous one; null removes it.
   */
  setCloseCallback(callback: (() => unknown) | null): void {
    this._closeCallback = callback;
  }

  /**
   * Reads up to and including `delimiter`.
   *
   * @param options.maxBytes when the delimiter is not within this many bytes, the stream
   *   logs "Unsatisfiable read, closing connection: …" (info, `genLog`), closes, and the
   *   read fails with `StreamClosedError` whose `realError` is `UnsatisfiableReadError`.
   * @returns a Future of the bytes, delimiter included (see `StreamBuffer` on aliasing).
   * @throws `RuntimeError` ("Already reading") while another read is pending;
   *   `StreamClosedError` when the stream is closed and the buffer cannot satisfy it.
   * @example
   * const statusLine = await stream.readUntil("\r\n", { maxBytes: 8192 });
   */
  readUntil(
    delimiter: Buffer | Uint8Array | string,
    options?: { maxBytes?: number },
  ): Future<Buffer> {
    const bytes = this._delimiterBuffer(delimiter);
    const maxBytes = options?.maxBytes ?? Infinity;
    if (this._read === null && this._buffer.length > 0) {
      // Fast path for a line already buffered: no read state to set up and tear down.
      const line = this._buffer.consumeThrough(bytes, maxBytes);
      if (line !== null) return doneFuture(line);
    }
    return this._startRead(PendingRead.delimiter(bytes, maxBytes));
  }

  /**
   * `readUntil` without the wait: the bytes up to and including `delimiter` when they are
   * already buffered, or null when more data must come first (then `await readUntil(...)`
   * reads the line). A loop over lines that are mostly buffered runs without a Future or
   * an `await` per line (JavaScript suspends on every `await`, even of a done Future, where
   * Python's `await` goes straight on; see the porting guide).
   *
   * @param options.maxBytes as for {@link readUntil}: when the buffered bytes show the
   *   delimiter is not within it, the stream closes and this throws.
   * @returns the bytes, delimiter included (see `StreamBuffer` on aliasing), or null.
   * @throws `RuntimeError` ("Already reading") while another read is pending;
   *   `StreamClosedError` when the stream is closed and the buffer cannot satisfy it, or
   *   when the stream closes now: its `realError` an `UnsatisfiableReadError` when
   *   `maxBytes` is exceeded, a `StreamBufferFullError` when the buffer holds more than
   *   `maxBufferSize` without the delimiter (as a pending `readUntil` would fail). After
   *   null the socket flows again (up to the read-ahead), so polling works too.
   * @example
   * const line = stream.tryReadUntil("\r\n") ?? (await stream.readUntil("\r\n"));
   */
  tryReadUntil(
    delimiter: Buffer | Uint8Array | string,
    options?: { maxBytes?: number },
  ): Buffer | null {
    const bytes = this._delimiterBuffer(delimiter);
    const maxBytes = options?.maxBytes ?? Infinity;
    if (this._read === null) {
      const line = this._buffer.consumeThrough(bytes, maxBytes);
      if (line !== null) return line;
    }
    return this._tryRead(PendingRead.delimiter(bytes, maxBytes));
  }

  /**
   * Reads up to and including the first match of `regex`, searched in the buffered bytes
   * read as latin1 (one character per byte; `g` and `y` flags are ignored).
   *
   * @param options.maxBytes as for {@link readUntil}.
   * @throws as {@link readUntil}.
   * @example
   * const head = await stream.readUntilRegex(/\r?\n\r?\n/, { maxBytes: 65536 });
   */
  readUntilRegex(regex: RegExp, options?: { maxBytes?: number }): Future<Buffer> {
    return this._startRead(PendingRead.regex(regex, options?.maxBytes ?? Infinity));
  }

  /**
   * Reads `numBytes` bytes; with `partial`, resolves as soon as at least one byte is there
   * (at most `numBytes`). `readBytes(0)` resolves with an empty Buffer.
   *
   * @throws `TypeError` when `numBytes` is not a non-negative integer; otherwise as
   *   {@link readUntil}.
   * @example
   * const body = await stream.readBytes(contentLength);
   */
  readBytes(numBytes: number, options?: { partial?: boolean }): Future<Buffer> {
    checkByteCount(numBytes);
    if (this._read === null && this._buffer.length >= numBytes) {
      return doneFuture(this._buffer.consume(numBytes));
    }
    return this._startRead(PendingRead.bytes(numBytes, options?.partial === true));
  }

  /**
   * `readBytes` without the wait: `numBytes` bytes when they are already buffered, or null
   * when more data must come first (then `await readBytes(numBytes)` reads them).
   *
   * @throws as {@link readBytes}; `StreamClosedError` when the stream is closed with fewer
   *   than `numBytes` bytes buffered; otherwise as {@link tryReadUntil}.
   * @example
   * const frame = stream.tryReadBytes(size) ?? (await stream.readBytes(size));
   */
  tryReadBytes(numBytes: number): Buffer | null {
    checkByteCount(numBytes);
    if (this._read === null && this._buffer.length >= numBytes) {
      return this._buffer.consume(numBytes);
    }
    return this._tryRead(PendingRead.bytes(numBytes, false));
  }

  /**
   * Reads into `buffer` until it is full (or, with `partial`, until at least one byte
   * came) and resolves with the number of bytes written to it.
   *
   * @throws as {@link readUntil}.
   * @example
   * const header = new Uint8Array(16);
   * await stream.readInto(header);
   */
  readInto(buffer: Uint8Array, options?: { partial?: boolean }): Future<number> {
    return this._startRead(PendingRead.into(buffer, options?.partial === true));
  }

  /**
   * Reads everything until the peer closes the connection and resolves with it; on a
   * closed stream, resolves with what is buffered. Fails (StreamClosedError, realError
   * StreamBufferFullError) if the data outgrows `maxBufferSize`.
   *
   * On a stream that made its own TCP socket, a body past 8 MiB is read on into one
   * region with room for `maxBufferSize` bytes (at most 1 GiB), so that it is returned
   * without a final copy. The result is a view of that region and keeps it allocated
   * while referenced; only the pages written use memory, but all of it counts in
   * `process.memoryUsage().arrayBuffers`.
   *
   * @throws `RuntimeError` ("Already reading") while another read is pending.
   * @example
   * const body = await stream.readUntilClose();
   */
  readUntilClose(): Future<Buffer> {
    return this._startRead(PendingRead.untilClose());
  }

  /**
   * Puts `data` back at the front of the read buffer, so that the next read returns it
   * before anything buffered or still to come: for a protocol reader that read past its
   * message (`HTTP1Connection.detach` after a 101, say). Works on a closed stream too,
   * whose buffered data can still be read. Tornado has no counterpart: its readers never
   * read past what they need. The stream keeps a reference to `data`.
   *
   * @throws `RuntimeError` while a read is pending (it has already searched the buffer).
   * @example
   * stream.unread(parser.takeRemaining());
   * const frame = await stream.readBytes(2);
   */
  unread(data: Buffer): void {
    if (this._read !== null) throw new RuntimeError("Cannot unread while a read is pending");
    if (data.length === 0) return;
    const buffer = this._buffer;
    // Rare and usually into an empty buffer; otherwise one copy of what was buffered
    // (none when it lies in one chunk).
    const rest = buffer.length > 0 ? buffer.consume(buffer.length) : null;
    buffer.append(data);
    if (rest !== null) buffer.append(rest);
    this._maybePause();
  }

  /**
   * Writes `data` (a string is UTF-8 encoded; any typed array or DataView is written as
   * its bytes). The Future resolves once the bytes are handed to the kernel, after those
   * of earlier writes. The bytes are not copied: do not modify `data` before the Future
   * resolves.
   *
   * @throws `StreamClosedError` on a closed stream; `StreamBufferFullError` ("Reached
   *   maximum write buffer size") when `maxWriteBufferSize` would be exceeded.
   * @example
   * await stream.write("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
   */
  write(data: Buffer | ArrayBufferView | string): Future<void> {
    this._checkClosed();
    const bytes =
      typeof data === "string"
        ? Buffer.from(data, "utf8")
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const size = bytes.length;
    if (this.maxWriteBufferSize !== null && this._writes.bytes + size > this.maxWriteBufferSize) {
      throw new StreamBufferFullError("Reached maximum write buffer size");
    }
    const future = this._writes.add(size, this._connecting);
    if (size > 0) this._socket.write(bytes, this._onWritten);
    return future;
  }

  /**
   * Closes the stream: the socket is destroyed, a pending `readUntilClose` resolves with
   * the buffer, a pending read the buffer can satisfy resolves, other pending reads and
   * writes fail with `StreamClosedError(realError)`, and the close callback is queued.
   * Buffered data can still be read afterwards. Safe to call twice.
   *
   * @param error recorded as `stream.error` (and so as `realError`) when it is an Error.
   */
  close(error?: unknown): void {
    if (!this._closed) {
      if (error instanceof Error) this.error = error;
      else if (error !== undefined && error !== null && typeof error !== "boolean") {
        this.error = new Error(String(error));
      }
      const read = this._read;
      if (read !== null) {
        let end = read.untilClose ? this._buffer.length : -1;
        try {
          if (end < 0) end = read.findEnd(this._buffer);
        } catch (e) {
          if (!(e instanceof UnsatisfiableReadError)) throw e;
        }
        if (end >= 0) this._finishRead(end);
      }
      this._closed = true;
      this._connecting = false;
      this._cancelSearch();
      this._detach().destroy();
      this._unregister?.();
      this._unregister = null;
    }
    this._signalClosed();
  }

  /** `StreamClosedError` unless the stream is open. */
  protected _checkClosed(): void {
    if (this._closed) throw new StreamClosedError(this.error);
  }

  /** Called once per close, before the close callback is queued: subclasses fail their own futures. */
  protected _onClosed(): void {}

  /** Logs a socket error as Tornado does; `SSLIOStream` adds its handshake errors. */
  protected _logSocketError(error: Error & { syscall?: string }): void {
    if (this._connecting || isConnReset(error)) return;
    if (error.syscall === "read") genLog.warning(`error on read: ${error.message}`);
    else genLog.warning(`Write error on ${this._peerName()}: ${error.message}`);
  }

  /** `address:port` of the peer, for log messages (remembered: a destroyed socket forgets it). */
  protected _peerName(): string {
    this._rememberPeer();
    return this._peer ?? "<unconnected>";
  }

  /** Listens to `socket` (the constructor, `SSLIOStream` when it swaps sockets). */
  protected _attach(socket: net.Socket): void {
    this._socket = socket;
    socket.on("data", this._onData);
    socket.on("end", this._onEnd);
    socket.on("error", this._onError);
    socket.on("close", this._onSocketClose);
    socket.on("connect", this._onConnect);
    if (this._paused) socket.pause();
  }

  /** Takes the reads of `socket`, made with `reader.options` as its `onread`, from `reader`. */
  protected _readThrough(reader: SlabReader): void {
    this._reader = reader;
    reader.readSize = Math.floor(this.maxBufferSize / 2);
    reader.sink = this._onData;
  }

  /**
   * Stops listening to the socket and returns it. A no-op error listener stays, so a late
   * error of a socket being torn down cannot crash the process.
   */
  protected _detach(): net.Socket {
    const socket = this._socket;
    socket.removeListener("data", this._onData);
    socket.removeListener("end", this._onEnd);
    socket.removeListener("error", this._onError);
    socket.removeListener("close", this._onSocketClose);
    socket.removeListener("connect", this._onConnect);
    socket.on("error", ignoreError);
    if (this._reader !== null) this._reader.sink = null;
    this._reader = null;
    return socket;
  }

  /**
   * Hands the socket over for a TLS upgrade (`IOStream.startTls`): checks that the stream
   * is idle, pushes buffered bytes back into the socket for TLS to read, and retires this
   * stream without closing the socket. Returns the socket and the close callback, which
   * moves to the new stream.
   *
   * @throws `TypeError` ("IOStream is not idle; cannot convert to SSL").
   */
  protected _releaseSocket(): { socket: net.Socket; closeCallback: (() => unknown) | null } {
    if (
      this._read !== null ||
      !this._writes.idle ||
      this._connectFuture !== null ||
      this._connecting ||
      this._closed
    ) {
      throw new TypeError("IOStream is not idle; cannot convert to SSL");
    }
    const socket = this._detach();
    socket.pause();
    if (this._buffer.length > 0) socket.unshift(this._buffer.consume(this._buffer.length));
    this._closed = true;
    this._unregister?.();
    this._unregister = null;
    const closeCallback = this._closeCallback;
    this._closeCallback = null;
    return { socket, closeCallback };
  }

  /** The socket finished connecting: resolves writes of no bytes queued meanwhile. */
  protected _connected(): void {
    this._connecting = false;
    this._writes.resolveEmpty();
  }

  /**
   * Refuses a read while another is pending (Tornado's "Already reading"); on a closed
   * stream, the close is the error.
   */
  private _checkNotReading(): void {
    if (this._read !== null) {
      this._checkClosed();
      throw new RuntimeError("Already reading");
    }
  }

  /** Makes `read` the pending read and satisfies it from the buffer if it can. */
  private _startRead<T>(read: PendingRead<T>): Future<T> {
    this._checkNotReading();
    this._read = read;
    let end: number;
    try {
      end = read.untilClose && this._closed ? this._buffer.length : read.findEnd(this._buffer);
    } catch (error) {
      this._unsatisfiable(error);
      return read.future!;
    }
    if (end >= 0) {
      this._finishRead(end);
    } else if (this._closed) {
      // Tornado raises here, before returning the Future: nothing more can arrive.
      this._read = null;
      throw new StreamClosedError(this.error);
    } else {
      this._wantData();
    }
    return read.future!;
  }

  /**
   * Satisfies `read` from the buffer alone, without making it the pending read: its bytes,
   * or null when more must arrive (`tryReadUntil`, `tryReadBytes`). On null the socket
   * flows again (up to the read-ahead, as always), so that a caller who polls rather than
   * awaits the ordinary read still sees the data come; and the limits of a pending read
   * apply, so that polling cannot grow the buffer past `maxBufferSize`.
   */
  private _tryRead(read: PendingRead<Buffer>): Buffer | null {
    this._checkNotReading();
    let end: number;
    try {
      end = read.findEnd(this._buffer);
    } catch (error) {
      this._unsatisfiable(error);
      throw new StreamClosedError(this.error);
    }
    if (end >= 0) return read.take(this._buffer, end);
    if (this._closed) throw new StreamClosedError(this.error);
    if (this._buffer.length > this.maxBufferSize) {
      this._closeBufferFull();
      throw new StreamClosedError(this.error);
    }
    this._wantData();
    return null;
  }

  /**
   * @internal `readBytes(maxBytes, { partial: true })` without a Future, for the HTTP
   * message reader (a Future and an `await` per read stay in memory for as long as each
   * response takes, for every response in flight): returns the bytes at once if any are
   * buffered; otherwise returns null and `sink` hears the outcome later (see
   * {@link ReadSink}). Never copies: the bytes come from one buffered chunk (one socket
   * read, or adjacent reads of one slab), so fewer than are buffered may come back.
   *
   * @throws `StreamClosedError` on a closed stream with nothing buffered;
   *   `RuntimeError` ("Already reading") while another read is pending.
   */
  _readSome(maxBytes: number, sink: ReadSink): Buffer | null {
    if (this._read === null && this._buffer.length > 0) {
      return this._buffer.consumeSome(maxBytes);
    }
    this._checkNotReading();
    if (this._closed) throw new StreamClosedError(this.error);
    // Resolved by the first data that arrives, one chunk: a view as well.
    this._read = PendingRead.someTo(maxBytes, sink);
    this._wantData();
    return null;
  }

  /**
   * @internal Says that `view`, bytes this stream handed out, will never be used again, so
   * that the socket's next read may go to the same memory (see `SlabReader.release`; a
   * no-op on streams that read by `data` events). For the HTTP reader with
   * `transientChunks`; reusing the memory saves fresh memory, and its page faults, per
   * read, and while the consumer keeps up such reads are kept small (`SlabReader`).
   */
  _releaseRead(view: Uint8Array): void {
    this._reader?.release(view);
  }

  /** Takes `size` bytes for the pending read and resolves it. */
  private _finishRead(size: number): void {
    const read = this._read as PendingRead;
    this._read = null;
    this._cancelSearch();
    read.resolve(read.take(this._buffer, size));
  }

  /** Logs and closes for a read the buffer outgrew `maxBufferSize` for (Tornado's wording). */
  private _closeBufferFull(): void {
    genLog.error("Reached maximum read buffer size");
    this.close(new StreamBufferFullError("Reached maximum read buffer size"));
  }

  /** Logs and closes for a read that can never be satisfied (Tornado's wording). */
  private _unsatisfiable(error: unknown): void {
    if (!(error instanceof UnsatisfiableReadError)) throw error;
    genLog.info(`Unsatisfiable read, closing connection: ${error.message}`);
    this.close(error);
  }

  /** A read waits for data: let the socket flow again. */
  private _wantData(): void {
    if (this._paused && !this._closed) {
      this._paused = false;
      this._socket.resume();
    }
  }

  /** Nothing waits for data and the read-ahead is full: stop reading the socket. */
  private _maybePause(): void {
    if (!this._paused && this._buffer.length >= this._readAhead) {
      this._paused = true;
      this._socket.pause();
    }
  }

  private _delimiterBuffer(delimiter: Buffer | Uint8Array | string): Buffer {
    if (typeof delimiter === "string") {
      if (delimiter !== this._delimiterText) {
        this._delimiterText = delimiter;
        this._delimiterBytes = Buffer.from(delimiter, "utf8");
      }
      return this._delimiterBytes as Buffer;
    }
    return Buffer.isBuffer(delimiter)
      ? delimiter
      : Buffer.from(delimiter.buffer, delimiter.byteOffset, delimiter.byteLength);
  }

  private _rememberPeer(): void {
    const socket = this._socket;
    if (socket.remoteAddress !== undefined) {
      this._peer = `${socket.remoteAddress}:${socket.remotePort}`;
    }
  }

  private readonly _onData = (chunk: Buffer): void => {
    this._buffer.append(chunk);
    const read = this._read;
    if (read !== null) {
      if (read.shouldDeferSearch(this._buffer.length)) {
        // Search once this burst of data events is over, not on every chunk.
        this._searchImmediate ??= setImmediate(this._deferredSearch);
        return;
      }
      if (this._readMore(read)) {
        if (read.untilClose && this._buffer.length > COLLECT_AFTER) this._collectBody();
        return;
      }
    }
    this._maybePause();
  };

  /**
   * A `readUntilClose` body outgrew `COLLECT_AFTER`: the socket now reads into one region
   * with room for `maxBufferSize` bytes (capped at `MAX_COLLECT`), after a copy of what is
   * buffered, so that at the close the body is one chunk, returned without the copy that
   * joining chunks takes (that copy halved `readUntilClose`'s throughput in
   * bench/iostream.bench.ts). Only the pages written take memory; see `SlabReader.collect`.
   * Streams without a `SlabReader` (TLS, or over a given socket) keep joining chunks.
   */
  private _collectBody(): void {
    const reader = this._reader;
    if (reader === null || this._collectTried || this._closed) return;
    this._collectTried = true;
    const size = this._buffer.length;
    const region = reader.collect(Math.min(this.maxBufferSize, MAX_COLLECT), size);
    if (region === null) return;
    this._buffer.consumeInto(region, size);
    this._buffer.append(region.subarray(0, size));
  }

  /**
   * Tries to complete `read` with the buffer. Returns true while it still waits (or the
   * stream closed), false once it resolved.
   */
  private _readMore(read: PendingRead): boolean {
    let end: number;
    try {
      end = read.findEnd(this._buffer);
    } catch (error) {
      this._unsatisfiable(error);
      return true;
    }
    if (end >= 0) {
      this._finishRead(end);
      return false;
    }
    if (this._buffer.length > this.maxBufferSize) {
      // Taken out before the close, so that it fails there rather than resolves with the
      // truncated buffer: a readUntilClose must not pass for complete.
      this._read = null;
      this._closeBufferFull();
      read.fail(new StreamClosedError(this.error));
    }
    return true;
  }

  private readonly _deferredSearch = (): void => {
    this._searchImmediate = null;
    const read = this._read;
    if (read !== null && !this._closed && !this._readMore(read)) this._maybePause();
  };

  private _cancelSearch(): void {
    if (this._searchImmediate !== null) {
      clearImmediate(this._searchImmediate);
      this._searchImmediate = null;
    }
  }

  private readonly _onEnd = (): void => {
    this.close();
  };

  private readonly _onSocketClose = (): void => {
    if (!this._closed) this.close();
  };

  private readonly _onError = (error: Error): void => {
    if (this._closed) return;
    this._logSocketError(error);
    this.close(error);
  };

  private readonly _onConnect = (): void => {
    this._rememberPeer();
    if (this._connecting) this._connected();
  };

  /** Node's callback for each `socket.write`, called in write order. */
  private readonly _onWritten = (error?: Error | null): void => {
    if (this._closed) return;
    if (error) this._onError(error);
    else this._writes.written();
  };

  /** Fails `future` with `StreamClosedError(this.error)` unless it is done. */
  private _failFuture(future: Future<unknown>): void {
    failQuietly(future, new StreamClosedError(this.error));
  }

  /** Fails what still waits on the stream and queues the close callback (once). */
  private _signalClosed(): void {
    const read = this._read;
    this._read = null;
    const connect = this._connectFuture;
    this._connectFuture = null;
    for (const future of this._writes.drain()) this._failFuture(future);
    if (read !== null) read.fail(new StreamClosedError(this.error));
    if (connect !== null) this._failFuture(connect);
    this._onClosed();
    const callback = this._closeCallback;
    this._closeCallback = null;
    if (callback !== null) this._ioLoop.addCallback(callback);
  }
}

/** `readBytes`'s argument check: a non-negative safe integer. */
function checkByteCount(numBytes: number): void {
  if (!Number.isSafeInteger(numBytes) || numBytes < 0) {
    throw new TypeError(`readBytes needs a non-negative integer; got ${String(numBytes)}`);
  }
}

/** A Future already resolved with `value` (the fast paths of the reads). */
function doneFuture<T>(value: T): Future<T> {
  const future = new Future<T>();
  future.setResult(value);
  return future;
}

function ignoreError(): void {}
