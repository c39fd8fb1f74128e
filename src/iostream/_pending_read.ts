/**
 * `PendingRead`: what a stream's pending read waits for, and how to find it in the read
 * buffer (the `_read_bytes`/`_read_delimiter`/`_read_regex`/`_read_max_bytes` fields and
 * `_find_read_pos` of Tornado's `BaseIOStream`, gathered in one object per read).
 *
 * Internal to `iostream`.
 */
import { Future } from "../concurrent";
import { UnsatisfiableReadError } from "./errors";
import type { StreamBuffer } from "./stream_buffer";

const BYTES = 0;
const INTO = 1;
const DELIMITER = 2;
const REGEX = 3;
const UNTIL_CLOSE = 4;
type Kind = typeof BYTES | typeof INTO | typeof DELIMITER | typeof REGEX | typeof UNTIL_CLOSE;

/** The first regex search decodes this much; later ones double what they decoded. */
const FIRST_REGEX_WINDOW = 64 * 1024;

/**
 * Fails `future` with `error` unless it is done, and marks its exception as seen: nobody
 * may be waiting on it, and reading the exception silences the GC report.
 */
export function failQuietly(future: Future<unknown>, error: unknown): void {
  if (!future.done()) future.setException(error);
  if (!future.cancelled()) future.exception();
}

/**
 * Hears the outcome of a read started without a Future (`BaseIOStream._readSome`): one of
 * the two calls, once. `readDone` may come synchronously from inside the stream's data
 * handler; `readFailed` comes in a microtask, never from inside `close()`.
 */
export interface ReadSink {
  /** The bytes read. */
  readDone(data: Buffer): void;
  /** `StreamClosedError` (its `realError` says why) or another failure of the stream. */
  readFailed(error: unknown): void;
}

/** One read waiting on a stream: its Future (or sink), its target, and its search state. */
export class PendingRead<T = unknown> {
  /**
   * Settled with the result (a Buffer, or a count for `readInto`); null for a read that
   * reports to a {@link ReadSink} instead.
   */
  readonly future: Future<T> | null;
  private _sink: ReadSink | null;
  /** Where the delimiter search resumes: no match can start before it. */
  private _scanPos = 0;
  /** The latin1 text of the buffer's first `_text.length` bytes (regex reads). */
  private _text = "";
  /** Buffer size at the last regex search. */
  private _searched = 0;

  private constructor(
    private readonly _kind: Kind,
    private readonly _size: number,
    private readonly _partial: boolean,
    private readonly _target: Uint8Array | null,
    private readonly _delimiter: Buffer | null,
    private readonly _regex: RegExp | null,
    private readonly _maxBytes: number,
    sink: ReadSink | null = null,
  ) {
    this.future = sink === null ? new Future<T>() : null;
    this._sink = sink;
  }

  /** `readBytes(n, {partial})`. */
  static bytes(n: number, partial: boolean): PendingRead<Buffer> {
    return new PendingRead<Buffer>(BYTES, n, partial, null, null, null, Infinity);
  }

  /** `readBytes(n, {partial: true})` reporting to `sink` rather than a Future. */
  static someTo(n: number, sink: ReadSink): PendingRead<Buffer> {
    return new PendingRead<Buffer>(BYTES, n, true, null, null, null, Infinity, sink);
  }

  /** `readInto(target, {partial})`. */
  static into(target: Uint8Array, partial: boolean): PendingRead<number> {
    return new PendingRead<number>(INTO, target.length, partial, target, null, null, Infinity);
  }

  /** `readUntil(delimiter, {maxBytes})`. */
  static delimiter(delimiter: Buffer, maxBytes: number): PendingRead<Buffer> {
    return new PendingRead<Buffer>(DELIMITER, 0, false, null, delimiter, null, maxBytes);
  }

  /** `readUntilRegex(regex, {maxBytes})`; `g` and `y` flags are dropped (no `lastIndex`). */
  static regex(regex: RegExp, maxBytes: number): PendingRead<Buffer> {
    const plain =
      regex.global || regex.sticky
        ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""))
        : regex;
    return new PendingRead<Buffer>(REGEX, 0, false, null, null, plain, maxBytes);
  }

  /** `readUntilClose()`: satisfied only by the close. */
  static untilClose(): PendingRead<Buffer> {
    return new PendingRead<Buffer>(UNTIL_CLOSE, 0, false, null, null, null, Infinity);
  }

  /** True for `readUntilClose`. */
  get untilClose(): boolean {
    return this._kind === UNTIL_CLOSE;
  }

  /**
   * True for a regex read that searched recently enough that the buffer (now `size`
   * bytes) has not doubled since: searching again on every chunk would be quadratic.
   */
  shouldDeferSearch(size: number): boolean {
    return this._kind === REGEX && size < 2 * this._searched;
  }

  /**
   * Where the read ends in `buffer`, or -1 if the buffer cannot satisfy it yet.
   *
   * @throws `UnsatisfiableReadError` when the delimiter is not within `maxBytes`.
   */
  findEnd(buffer: StreamBuffer): number {
    const size = buffer.length;
    switch (this._kind) {
      case BYTES:
      case INTO:
        if (size >= this._size || (this._partial && size > 0)) return Math.min(this._size, size);
        return -1;
      case DELIMITER: {
        if (size === 0) return -1;
        const delimiter = this._delimiter as Buffer;
        const loc = buffer.indexOf(delimiter, this._scanPos);
        if (loc !== -1) {
          this._checkMaxBytes(loc + delimiter.length);
          return loc + delimiter.length;
        }
        this._scanPos = Math.max(this._scanPos, size - delimiter.length + 1);
        this._checkMaxBytes(size);
        return -1;
      }
      case REGEX:
        return this._findRegex(buffer, size);
      default:
        return -1;
    }
  }

  /** Hands `result` to the read's Future (unless the caller cancelled it) or sink. */
  resolve(result: T): void {
    const future = this.future;
    if (future !== null) {
      if (!future.cancelled()) future.setResult(result);
      return;
    }
    const sink = this._sink!;
    this._sink = null;
    sink.readDone(result as Buffer);
  }

  /**
   * Fails the read with `error` unless it is done: a Future through {@link failQuietly},
   * a sink in a microtask.
   */
  fail(error: unknown): void {
    const future = this.future;
    if (future !== null) {
      failQuietly(future, error);
      return;
    }
    const sink = this._sink;
    this._sink = null;
    if (sink !== null) queueMicrotask(() => sink.readFailed(error));
  }

  /** Takes `size` bytes out of `buffer` as the read's result. */
  take(buffer: StreamBuffer, size: number): T {
    if (this._kind === INTO) {
      buffer.consumeInto(this._target as Uint8Array, size);
      return size as T;
    }
    return buffer.consume(size) as T;
  }

  /**
   * Searches the buffered bytes as latin1, decoding only what it has not decoded before,
   * in windows that double, so a match near the start of a large buffer costs little.
   */
  private _findRegex(buffer: StreamBuffer, size: number): number {
    if (size === 0) return -1;
    const regex = this._regex as RegExp;
    for (;;) {
      const decoded = this._text.length;
      if (decoded < size) {
        this._text += buffer.latin1(
          decoded,
          Math.min(size, Math.max(decoded * 2, FIRST_REGEX_WINDOW)),
        );
      }
      this._searched = this._text.length;
      const match = regex.exec(this._text);
      if (match !== null) {
        const end = match.index + match[0].length;
        this._checkMaxBytes(end);
        return end;
      }
      if (this._text.length >= size || this._text.length > this._maxBytes) break;
    }
    this._checkMaxBytes(size);
    return -1;
  }

  private _checkMaxBytes(size: number): void {
    if (size > this._maxBytes) {
      const what =
        this._kind === REGEX
          ? String(this._regex)
          : JSON.stringify((this._delimiter as Buffer).toString("latin1"));
      throw new UnsatisfiableReadError(
        `delimiter ${what} not found within ${this._maxBytes} bytes`,
      );
    }
  }
}
