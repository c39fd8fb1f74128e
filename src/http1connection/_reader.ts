/**
 * `MessageReader`: reads one message at a time from a stream through the sans-I/O
 * `HTTP1Parser` and hands it to a delegate, for both sides of an `HTTP1Connection`.
 *
 * - The head goes to `headersReceived` from the read loop, outside the parser, so that
 *   a delegate may `detach` there and get every byte after the head back in the stream.
 * - A promise returned by the delegate holds the parser back until it settles (flow
 *   control). While it is pending, nothing reads the stream, so a close is watched for
 *   apart: when it comes, the bytes already buffered are parsed ahead (their pieces wait
 *   in a queue for the delegate), so that a message the close cut short fails at once
 *   with the parser's `HTTPInputError` instead of waiting on the delegate, while one that
 *   arrived whole is still delivered in order.
 * - Header and body deadlines apply to the reads, as Tornado's timeouts do.
 * - Callbacks drive it, not `await` (see `read`): the stream reports each read to the
 *   reader as a `ReadSink`, and the end goes to a `ReadListener`.
 */
import { isThenable } from "../concurrent";
import {
  HTTP1Parser,
  type HTTP1MessageEnd,
  type HTTP1MessageHead,
  type HTTP1ParserHandler,
  type HTTPHeaders,
  type ResponseStartLine,
} from "../httputil";
import { IOLoop, type TimeoutHandle } from "../ioloop";
import { StreamClosedError, type IOStream } from "../iostream";
import type { ReadSink } from "../iostream/_pending_read";
import { appLog } from "../log";
import { watchClose } from "./_close_watch";
import type { InternalDelegate } from "./_decoding_delegate";

/** The read ended at a header or body deadline; the stream is not closed yet. */
export const TIMED_OUT: unique symbol = Symbol("timed out");
/** The connection was detached; the bytes read past the head are back in the stream. */
export const DETACHED: unique symbol = Symbol("detached");

/** The parser calls `MessageReader._parse` makes. */
const RESUME = 0;
const FEED = 1;
const EOF = 2;
type ParserCall = typeof RESUME | typeof FEED | typeof EOF;

/**
 * What one read of the stream asks for: whatever it holds in one piece (one socket read,
 * or adjacent reads of one slab; see `IOStream._readSome`). The parser hands the body on
 * in pieces of at most `chunkSize`, so a 256 KiB read is fed once and delivered as four
 * 64 KiB pieces, rather than read, fed and parsed four times: in a download's first
 * hundreds of MiB, before V8 has compiled the read path, each such round costs tens of
 * microseconds.
 */
const WHOLE_PIECE = Number.MAX_SAFE_INTEGER;

/** How a read ended, when it did not throw. */
export type ReadOutcome = HTTP1MessageEnd | typeof TIMED_OUT | typeof DETACHED;

/**
 * Hears how a `MessageReader.read` ended: one of the two calls, once. Neither may throw
 * (the reader logs what they throw: it has no caller to give it to).
 */
export interface ReadListener {
  /** The message was read (the delegate has taken every piece), or TIMED_OUT, or DETACHED. */
  readEnded(outcome: ReadOutcome): void;
  /** `HTTPInputError` from the parser, `StreamClosedError` when the stream closed before a
   * message began, or an error thrown by the delegate. */
  readFailed(error: unknown): void;
}

/** What one read needs besides the stream and the delegate. */
export interface ReadOptions {
  /** Relative seconds to read the head in, or null. */
  readonly headerTimeout: number | null;
  /** Relative seconds to read the body in, asked for when the body starts. */
  bodyTimeout(): number | null;
  /** Called with each 1xx interim response before the final one (client side). */
  onInformational?(startLine: ResponseStartLine, headers: HTTPHeaders): void;
  /** Called with the head just before the delegate's `headersReceived`. */
  onHead?(head: HTTP1MessageHead): void;
  /** Called once the delegate has taken the head (and its promise settled). */
  afterHeaders?(head: HTTP1MessageHead): void;
  /** False once body pieces should be read but no longer handed to the delegate. */
  wantsBody?(): boolean;
  /** The delegate is done with a body piece when `dataReceived` returns (not a promise). */
  readonly transientChunks?: boolean;
}

/** Reads the messages of one connection, one `read` at a time. */
export class MessageReader {
  /** The parser; its expectation (readResponse/readRequest) is set before each `read`. */
  readonly parser: HTTP1Parser;
  private _stream: IOStream | null = null;
  private _delegate: InternalDelegate | null = null;
  private _options: ReadOptions | null = null;
  private _listener: ReadListener | null = null;
  /** Loop-time deadlines of the head and (once the head came) the body; null: none. */
  private _headerDeadline: number | null = null;
  private _bodyDeadline: number | null | undefined = undefined;
  /** The timer of the deadline that applies to the read waiting on the stream. */
  private _timer: TimeoutHandle | null = null;
  /** Counts the reads begun, so that a callback of an ended read does nothing. */
  private _generation = 0;
  /** True while a read of the stream reports to `_sink`. */
  private _awaitingRead = false;
  /** This reader as the stream's `ReadSink` (one object per reader, not per read). */
  private readonly _sink: ReadSink = {
    readDone: (data) => this._readDone(data),
    readFailed: (error) => this._readFailed(error),
  };
  private _head: HTTP1MessageHead | null = null;
  private _headDelivered = false;
  private _end: HTTP1MessageEnd | null = null;
  private _pending: PromiseLike<void> | null = null;
  /** Body pieces parsed ahead after a close, waiting for the delegate; null until then. */
  private _queue: Buffer[] | null = null;
  /** True while the parser runs (and so may call the delegate). */
  private _inParser = false;
  private _detached = false;

  /**
   * @param maxChunk - most bytes of one body piece handed to the delegate (the
   *   connection's `chunkSize`); the stream is read a whole buffered piece at a time.
   */
  constructor(maxHeaderSize: number, maxBodySize: number, maxChunk: number) {
    const handler: HTTP1ParserHandler = {
      onInformational: (startLine, headers) => this._options?.onInformational?.(startLine, headers),
      onHeaders: (head) => {
        this._head = head;
        this._headDelivered = false;
        // The loop hands the head over, outside the parser (see the module header).
        this.parser.pause();
      },
      onData: (chunk) => {
        if (this._queue !== null) this._queue.push(chunk);
        else this._deliver(chunk);
      },
      onComplete: (end) => {
        this._end = end;
        // The next message waits for the next read.
        this.parser.pause();
      },
    };
    this.parser = new HTTP1Parser(handler, { maxHeaderSize, maxBodySize, maxChunk });
  }

  /** The head of the message being read (or last read), if it came. */
  get head(): HTTP1MessageHead | null {
    return this._head;
  }

  /**
   * The connection gave its stream away: stop, and put the bytes read past the message
   * back into `stream` now if nothing is in the middle of a parse or a read (else the
   * read loop does it when it gets control back).
   */
  detach(stream: IOStream): void {
    this._detached = true;
    this.parser.pause();
    if (!this._inParser && !stream.reading()) this._giveBack(stream, null);
  }

  /**
   * Reads one message into `delegate` and tells `listener` how it ended: its end once the
   * delegate has taken every piece (its `finish` is the caller's to call), TIMED_OUT or
   * DETACHED, or the error. `listener` may hear it before `read` returns (a message that
   * was already buffered, or a parser that failed).
   *
   * Driven by callbacks, not `await`: the stream's reads report to this reader (as a
   * `ReadSink`), and only the rare waits for a delegate's promise use one. A suspended
   * async frame, and the Future it awaits, would stay in memory for as long as each
   * message takes, for every message in flight.
   */
  read(
    stream: IOStream,
    delegate: InternalDelegate,
    options: ReadOptions,
    listener: ReadListener,
  ): void {
    this._start(stream, delegate, options, listener);
    try {
      this._parse(RESUME, null);
      this._headerDeadline = deadline(options.headerTimeout);
    } catch (error) {
      this._failed(error);
      return;
    }
    this._step();
  }

  // --- the read loop -------------------------------------------------------------------

  /**
   * Runs the read until it must wait (for the stream, or for a delegate's promise) or it
   * ended. Each pass does one thing: hand the head over, wait for the delegate, hand a
   * queued piece over, end, or read the stream and feed the parser.
   */
  private _step(): void {
    const stream = this._stream!;
    const options = this._options!;
    try {
      for (;;) {
        if (this._detached) return this._ended(this._giveBack(stream, null));
        const head = this._head;
        if (head !== null && !this._headDelivered) {
          this._headDelivered = true;
          options.onHead?.(head);
          const result = this._delegate!.headersReceived(head.startLine, head.headers);
          if (isThenable(result)) return this._waitFor(result as PromiseLike<void>, true);
          this._afterWait(true);
          continue;
        }
        const pending = this._pending;
        if (pending !== null) {
          this._pending = null;
          return this._waitFor(pending, false);
        }
        if (this._queue !== null && this._queue.length > 0) {
          this._deliver(this._queue.shift()!);
          continue;
        }
        if (this._end !== null) return this._ended(this._end);
        if (head !== null && this._bodyDeadline === undefined) {
          this._bodyDeadline = deadline(options.bodyTimeout());
        }
        // The next bytes from the stream if it has some; else this reader hears them.
        let data: Buffer | null;
        try {
          data = stream._readSome(WHOLE_PIECE, this._sink);
          if (data === null) {
            this._awaitingRead = true;
            const limit = head === null ? this._headerDeadline : this._bodyDeadline!;
            if (limit !== null) this._timer = IOLoop.current().callAt(limit, readTimedOut, this);
            return;
          }
        } catch (error) {
          if (!(error instanceof StreamClosedError)) throw error;
          data = null;
        }
        this._took(stream, data);
      }
    } catch (error) {
      this._failed(error);
    }
  }

  /**
   * Feeds what a read of the stream gave (null: the stream closed) to the parser; a
   * detach ends the read with the bytes given back.
   */
  private _took(stream: IOStream, data: Buffer | null): void {
    if (this._detached) {
      this._ended(this._giveBack(stream, data));
      return;
    }
    if (data !== null) {
      this._parse(FEED, data);
      return;
    }
    this._parse(EOF, null);
    if (this._end === null && this._head === null) {
      throw new StreamClosedError(stream.error ?? undefined);
    }
  }

  /** The stream's read came (a `ReadSink` call). */
  private _readDone(data: Buffer): void {
    if (this._awaitingRead) this._resumeWith(data);
  }

  /** The stream's read failed (a `ReadSink` call): a close is the end of the data. */
  private _readFailed(error: unknown): void {
    if (!this._awaitingRead) return;
    if (error instanceof StreamClosedError) {
      this._resumeWith(null);
      return;
    }
    this._readReturned();
    this._failed(error);
  }

  /** Carries on with what the stream's read gave (null: it closed). */
  private _resumeWith(data: Buffer | null): void {
    this._readReturned();
    const generation = this._generation;
    try {
      this._took(this._stream!, data);
    } catch (error) {
      this._failed(error);
      return;
    }
    // Unless that ended the read (whose listener may have started the next one).
    if (this._generation === generation && this._listener !== null) this._step();
  }

  /**
   * Nothing waits for a read of the stream any more (it came back, or the read ended):
   * its deadline is off.
   */
  private _readReturned(): void {
    this._awaitingRead = false;
    if (this._timer !== null) {
      IOLoop.current().removeTimeout(this._timer);
      this._timer = null;
    }
  }

  /** @internal The header or body deadline passed while a read waited for the stream. */
  _timedOut(): void {
    this._timer = null;
    if (!this._awaitingRead) return;
    // The stream's read stays pending; what it brings is dropped (see `_readDone`).
    this._awaitingRead = false;
    if (this._detached) this._ended(this._giveBack(this._stream!, null));
    else this._ended(TIMED_OUT);
  }

  /**
   * Waits for a delegate's `promise` (`afterHead`: the one `headersReceived` returned),
   * then carries on. A close meanwhile is watched for (see `_wait`).
   */
  private _waitFor(promise: PromiseLike<void>, afterHead: boolean): void {
    const generation = this._generation;
    this._wait(this._stream!, promise).then(
      () => {
        if (this._generation !== generation || this._listener === null) return;
        try {
          this._afterWait(afterHead);
        } catch (error) {
          this._failed(error);
          return;
        }
        this._step();
      },
      (error: unknown) => {
        if (this._generation === generation) this._failed(error);
      },
    );
  }

  /** After the delegate took the head (`afterHead`) or a body piece: parse on. */
  private _afterWait(afterHead: boolean): void {
    if (afterHead) {
      if (this._detached) return;
      this._options!.afterHeaders?.(this._head!);
    }
    if (this._queue === null) this._parse(RESUME, null);
  }

  /** The read ended: tell the listener. */
  private _ended(outcome: ReadOutcome): void {
    const listener = this._listener!;
    this._clear();
    try {
      listener.readEnded(outcome);
    } catch (thrown) {
      listenerThrew(thrown);
    }
  }

  /** The read failed: tell the listener. */
  private _failed(error: unknown): void {
    const listener = this._listener;
    if (listener === null) return;
    this._clear();
    try {
      listener.readFailed(error);
    } catch (thrown) {
      listenerThrew(thrown);
    }
  }

  private _clear(): void {
    this._stream = null;
    this._delegate = null;
    this._options = null;
    this._listener = null;
    this._pending = null;
    this._queue = null;
    this._readReturned();
  }

  private _start(
    stream: IOStream,
    delegate: InternalDelegate,
    options: ReadOptions,
    listener: ReadListener,
  ): void {
    this._generation++;
    this._stream = stream;
    this._delegate = delegate;
    this._options = options;
    this._listener = listener;
    this._headerDeadline = null;
    this._bodyDeadline = undefined;
    this._head = null;
    this._end = null;
    this._pending = null;
    this._queue = null;
  }

  /**
   * Hands a body piece to the delegate; a returned promise pauses the parser. With
   * `transientChunks`, a piece the delegate took synchronously goes back to the stream,
   * whose next read may then reuse its memory.
   */
  private _deliver(chunk: Buffer): void {
    if (this._options!.wantsBody?.() === false) return;
    const result = this._delegate!.dataReceived(chunk);
    if (isThenable(result)) {
      this._pending = result as PromiseLike<void>;
      this.parser.pause();
    } else if (this._options!.transientChunks === true) {
      this._stream!._releaseRead(chunk);
    }
  }

  /**
   * Runs a parser call (`data` is for FEED), noting that the parser (and through it the
   * delegate) is busy. The call is named by a constant rather than passed as a closure: a
   * closure per call would be allocated for every read of every message.
   */
  private _parse(call: ParserCall, data: Buffer | null): void {
    const parser = this.parser;
    this._inParser = true;
    try {
      if (call === RESUME) parser.resume();
      else if (call === FEED) parser.feed(data!);
      else parser.feedEof();
    } finally {
      this._inParser = false;
    }
  }

  /**
   * Waits for the delegate's `promise`. If the stream closes meanwhile, parses what is
   * buffered ahead (see the module header); that throws at once for a message cut short.
   */
  private async _wait(stream: IOStream, promise: PromiseLike<void>): Promise<void> {
    if (this._queue === null && this._end === null) {
      const watch = watchClose(stream);
      let closed: boolean;
      try {
        closed = await Promise.race([
          Promise.resolve(promise).then(() => false),
          watch.closed.then(() => true),
        ]);
      } finally {
        watch.cancel();
      }
      if (closed && !this._detached) this._parseAhead(stream);
    }
    await promise;
  }

  /** The stream closed while the delegate held the parser: parse everything left. */
  private _parseAhead(stream: IOStream): void {
    this._queue = [];
    const parser = this.parser;
    for (;;) {
      let data: Buffer | null;
      try {
        // Buffered bytes, a piece at a time, as `_step` reads; null cannot come from a
        // closed stream, which throws once it has nothing left.
        data = stream._readSome(WHOLE_PIECE, this._sink);
      } catch (error) {
        if (error instanceof StreamClosedError) break;
        throw error;
      }
      if (data === null) break;
      parser.feed(data);
    }
    parser.feedEof();
    this._parse(RESUME, null);
  }

  /** Puts the parser's unread bytes, then `extra`, back into `stream`. */
  private _giveBack(stream: IOStream, extra: Buffer | null): typeof DETACHED {
    const rest = this.parser.takeRemaining();
    const data = extra === null ? rest : rest.length === 0 ? extra : Buffer.concat([rest, extra]);
    if (data.length > 0) stream.unread(data);
    return DETACHED;
  }
}

/** The timer callback of a reader's deadline (one function, the reader its argument). */
function readTimedOut(reader: MessageReader): void {
  reader._timedOut();
}

/** A `ReadListener` threw: a bug, logged since no caller can take it. */
function listenerThrew(error: unknown): void {
  appLog.error("Uncaught exception in an HTTP read listener", error);
}

function deadline(delay: number | null): number | null {
  return delay === null ? null : IOLoop.current().time() + delay;
}
