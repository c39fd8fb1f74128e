/**
 * `HTTP1Parser`: an incremental, sans-I/O HTTP/1.1 message parser (RFC 9112). It is fed
 * the bytes a connection reads, in whatever pieces they arrive, and reports each message
 * through a handler: the head, the body in pieces, the end. It never reads or writes a
 * socket; `http1connection` drives it. It has no Tornado counterpart: Tornado's
 * `HTTP1Connection` parses by issuing stream reads.
 *
 * Speed: a head is decoded once as Latin-1 and cut into lines with `String.indexOf`,
 * which also finds its end; its bytes are checked four at a time; its header fields are
 * indexed only when first read. Body bytes are handed on as `subarray`s of the Buffers
 * that were fed (no copy), so the only copy of a body byte on its way to the user is the
 * one the user makes. Chunk-size lines are the only bytes looked at one by one; the
 * chunked coding is decoded by `ChunkedBody` (`_chunked_body.ts`).
 *
 * Strictness: a malformed head, chunk or length, a section over `maxHeaderSize` and a
 * body over `maxBodySize` are `HTTPInputError`s at the moment they can be seen, never a
 * hang or a silent truncation. After an error the parser stays failed and every call
 * throws the same error.
 */
import { HTTPInputError } from "./errors";
import { FORBIDDEN_IN_HEAD } from "./_abnf";
import { describeByte } from "./_chunk_size";
import { ChunkedBody, type ChunkedSink } from "./_chunked_body";
import { type Framing, checkNoBodyDeclared, requestFraming, responseFraming } from "./_framing";
import { type ParsedHead, parseHead } from "./_head";
import { findForbiddenByte } from "./_scan";
import { FieldSection, latin1 } from "./_section";
import type {
  HTTP1ParserHandler,
  HTTP1ParserOptions,
  HTTP1ParserState,
  ReadResponseOptions,
} from "./http1_events";
import { type RequestStartLine, ResponseStartLine } from "./start_line";
import { RuntimeError } from "../util";

interface Expectation {
  readonly response: boolean;
  readonly method: string;
  readonly upgrade: boolean;
}

/** The expectations made most often, shared rather than made per message. */
const GET_RESPONSE: Expectation = Object.freeze({ response: true, method: "GET", upgrade: false });
const NO_OPTIONS: ReadResponseOptions = Object.freeze({});
const REQUEST: Expectation = Object.freeze({ response: false, method: "", upgrade: false });

const S_IDLE = 0;
const S_HEAD = 1;
const S_LENGTH = 2;
/** In a chunked body; `ChunkedBody` has the finer states. */
const S_CHUNKED = 3;
const S_UNTIL_CLOSE = 4;
const S_FINISH = 5;
const S_UPGRADED = 6;
const S_CLOSED = 7;
const S_FAILED = 8;

/** The public name of each state, indexed by state. */
// prettier-ignore
const STATE_NAMES: readonly HTTP1ParserState[] = [
  "idle", "head", "body", "body", "body", "body", "upgraded", "closed", "failed",
];

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

/** Bytes `start` to `end` of `buf` as a view (no copy): `buf` itself when that is all of it. */
function piece(buf: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

/**
 * How many bytes the parser decodes on a guess when a head starts: the usual head fits,
 * and the line loop then finds its end on the way, cheaper than asking `Buffer.indexOf`
 * (or `String.indexOf` for CRLF CRLF) first. After each head the guess becomes twice its
 * size, within these bounds.
 */
const HEAD_WINDOW = 1024;
const MIN_HEAD_WINDOW = 512;
const MAX_HEAD_WINDOW = 16384;

/**
 * An incremental HTTP/1.1 parser for responses (client side) and requests (server side).
 *
 * Tell it what to expect with `readResponse` (once per request sent, in order; pipelining
 * works) or `readRequest`, and `feed` it bytes; call `feedEof` when the peer closes.
 * Messages are read one expectation at a time: bytes after a complete message wait,
 * unconsumed, until the next `readResponse`/`readRequest` (which may be called from
 * `onComplete`), and `takeRemaining` hands them over (after a 101, say).
 *
 * `pause()` from a handler stops the parser after the current event; the bytes not yet
 * consumed wait for `resume()`. This is how a connection applies a delegate's flow
 * control (a promise from `headersReceived` or `dataReceived`).
 *
 * @example
 * const body: Buffer[] = [];
 * const parser = new HTTP1Parser({
 *   onHeaders: (head) => console.log((head.startLine as ResponseStartLine).code),
 *   onData: (chunk) => body.push(Buffer.from(chunk)),
 *   onComplete: (end) => console.log(Buffer.concat(body).toString(), end.keepAlive),
 * });
 * parser.readResponse({ requestMethod: "GET" });
 * parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"));
 * parser.feed(Buffer.from("lo")); // logs 200, then "hello true"
 */
export class HTTP1Parser {
  /** Most bytes a head or trailer section may take. */
  readonly maxHeaderSize: number;
  /**
   * Most body bytes of one message. May be changed at any time, also from `onHeaders`
   * (Tornado's `set_max_body_size`): a `Content-Length` is checked against it when the
   * body starts, after `onHeaders` returns.
   */
  maxBodySize: number;
  /** Most bytes of one body piece (see `HTTP1ParserOptions.maxChunk`). */
  readonly maxChunk: number;

  private readonly _handler: HTTP1ParserHandler;
  private _state = S_IDLE;
  private readonly _expected: Expectation[] = [];
  private _current: Expectation | null = null;
  /** Bytes fed and not yet consumed, oldest first. */
  private readonly _input: Buffer[] = [];
  private _running = false;
  private _paused = false;
  private _eof = false;
  private _error: unknown = null;

  /** A head or trailer section arriving in pieces. */
  private readonly _section = new FieldSection();
  /** CR and LF bytes skipped before a start line (RFC 9112 §2.2). */
  private _skipped = 0;
  /** Bytes to decode on a guess at a new head (see HEAD_WINDOW). */
  private _headWindow = HEAD_WINDOW;
  private _framing: Framing | null = null;
  private _lengthUnchecked = false;
  /** Bytes left in a Content-Length body. */
  private _remaining = 0;
  /** Body bytes of a close-delimited body so far. */
  private _bodyBytes = 0;
  private readonly _chunked = new ChunkedBody();
  /** What the chunked decoder hands its pieces to, with the limits read live. */
  private readonly _chunkedSink: ChunkedSink;

  /**
   * @param handler - receives the messages.
   * @throws {RangeError} for a limit that is not a positive integer.
   */
  constructor(handler: HTTP1ParserHandler, options: HTTP1ParserOptions = {}) {
    const { maxHeaderSize = 65536, maxBodySize = 104857600 } = options;
    const maxChunk = options.maxChunk ?? Number.MAX_SAFE_INTEGER;
    for (const [name, value] of [
      ["maxHeaderSize", maxHeaderSize],
      ["maxBodySize", maxBodySize],
      ["maxChunk", maxChunk],
    ] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new RangeError(`${name} must be a positive integer: received ${value}`);
      }
    }
    this._handler = handler;
    this.maxHeaderSize = maxHeaderSize;
    this.maxBodySize = maxBodySize;
    this.maxChunk = maxChunk;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the sink reads live limits
    const parser = this;
    this._chunkedSink = {
      get maxBodySize() {
        return parser.maxBodySize;
      },
      maxHeaderSize,
      maxChunk,
      deliver: (buf, start, end) => handler.onData(piece(buf, start, end)),
    };
  }

  /** Where the parser is; see {@link HTTP1ParserState}. */
  get state(): HTTP1ParserState {
    return STATE_NAMES[this._state]!;
  }

  /** True between `pause()` and `resume()`. */
  get paused(): boolean {
    return this._paused;
  }

  /** How many bytes were fed and not yet consumed by a message. */
  get bufferedBytes(): number {
    let total = 0;
    for (const buf of this._input) total += buf.length;
    return total;
  }

  /**
   * Expects one response, to a request made with `requestMethod`. Calls queue up, one per
   * request sent, so pipelined responses are read in order.
   *
   * @throws {RuntimeError} if the parser is closed, upgraded or failed (the failure's own
   *   error is thrown for a failed parser).
   */
  readResponse(options: ReadResponseOptions = NO_OPTIONS): void {
    const { requestMethod = "GET", upgradeRequested = false } = options;
    // Methods are case-sensitive (RFC 9110 §9.1): "head" is not HEAD.
    this._expect(
      requestMethod === "GET" && !upgradeRequested
        ? GET_RESPONSE
        : { response: true, method: requestMethod, upgrade: upgradeRequested },
    );
  }

  /**
   * Expects one request (server side).
   *
   * @throws {RuntimeError} as {@link HTTP1Parser.readResponse}.
   */
  readRequest(): void {
    this._expect(REQUEST);
  }

  /**
   * Parses `chunk`, calling the handler for what it completes. The parser may keep a
   * reference to `chunk` (unconsumed bytes, body pieces handed to `onData`).
   *
   * @throws {HTTPInputError} for malformed or oversized input; the parser then stays failed.
   * @throws {RuntimeError} after `feedEof`.
   */
  feed(chunk: Buffer): void {
    this._checkUsable();
    if (this._eof) throw new RuntimeError("Cannot feed an HTTP1Parser after feedEof()");
    if (chunk.length === 0) return;
    this._input.push(chunk);
    if (!this._running) this._drain();
  }

  /**
   * Tells the parser the peer closed the connection. This completes a body delimited by
   * the close; it is an error if a message was cut short; it is fine between messages
   * and before any byte of an expected message (check `state`, now `"closed"`, and
   * whether `onHeaders` came, to tell the peer closed without answering).
   *
   * @throws {HTTPInputError} for a message cut short: in its head, in a body shorter than
   *   its `Content-Length`, or in a chunked body before the last chunk (RFC 9112 §8).
   */
  feedEof(): void {
    this._checkUsable();
    if (this._eof) return;
    this._eof = true;
    if (!this._running) this._drain();
  }

  /** Stops reporting after the current handler call, until `resume()`. */
  pause(): void {
    this._paused = true;
  }

  /**
   * Continues after `pause()`: parses the bytes that waited, calling the handler.
   *
   * @throws as {@link HTTP1Parser.feed}.
   */
  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    this._checkUsable();
    if (!this._running) this._drain();
  }

  /**
   * Returns the bytes fed and not consumed, and forgets them: after a tunnel or upgrade
   * they belong to the new protocol; after a message that ends the connection, they are
   * whatever the peer sent beyond it. Bytes of a partly read head are not included.
   *
   * @throws {RuntimeError} from inside a handler call (the current Buffer is still being read).
   */
  takeRemaining(): Buffer {
    if (this._running) {
      throw new RuntimeError("Cannot take the remaining bytes from inside a handler call");
    }
    const input = this._input.splice(0);
    return input.length === 1 ? input[0]! : Buffer.concat(input);
  }

  private _expect(expectation: Expectation): void {
    this._checkUsable();
    if (this._state >= S_UPGRADED) {
      throw new RuntimeError(
        `Cannot read another message: the connection is ${STATE_NAMES[this._state]}`,
      );
    }
    this._expected.push(expectation);
    if (!this._running && !this._paused) this._drain();
  }

  private _checkUsable(): void {
    if (this._state === S_FAILED) throw this._error;
  }

  /** Runs the state machine over the queued input until it is used up or cannot go on. */
  private _drain(): void {
    this._running = true;
    try {
      const input = this._input;
      while (!this._paused) {
        const buf = input.length === 0 ? EMPTY : input[0]!;
        const pos = this._run(buf, 0);
        if (buf === EMPTY) {
          if (input.length === 0) break;
        } else if (pos < buf.length) {
          // Stopped early: paused, or in a state that takes no bytes (see _run).
          input[0] = pos === 0 ? buf : buf.subarray(pos);
          break;
        } else {
          input.shift();
        }
      }
      if (this._eof && !this._paused) this._onEof();
    } catch (error) {
      this._state = S_FAILED;
      this._error = error;
      throw error;
    } finally {
      this._running = false;
    }
  }

  /** Parses `buf` from `pos`; returns where it stopped (`buf.length` if it used it all). */
  private _run(buf: Buffer, pos: number): number {
    const length = buf.length;
    for (;;) {
      if (this._paused) return pos;
      switch (this._state) {
        case S_FINISH:
          this._finish();
          continue;
        case S_IDLE: {
          const next = this._expected.shift();
          if (next === undefined) return pos;
          this._current = next;
          this._state = S_HEAD;
          this._skipped = 0;
          continue;
        }
        case S_LENGTH:
          if (this._lengthUnchecked) this._checkContentLength();
          break;
      }
      if (pos >= length) return pos;
      switch (this._state) {
        case S_HEAD:
          pos = this._readHead(buf, pos);
          break;
        case S_LENGTH:
          pos = this._readLength(buf, pos);
          break;
        case S_CHUNKED:
          pos = this._chunked.read(buf, pos, this._chunkedSink);
          if (this._chunked.done) this._state = S_FINISH;
          break;
        case S_UNTIL_CLOSE:
          pos = this._readUntilClose(buf, pos);
          break;
        default:
          return pos;
      }
    }
  }

  private _readHead(buf: Buffer, pos: number): number {
    const length = buf.length;
    if (this._section.text === "") {
      // RFC 9112 §2.2: empty lines before the start line are ignored.
      while (pos < length && (buf[pos] === CR || buf[pos] === LF)) {
        pos++;
        if (++this._skipped > this.maxHeaderSize) {
          throw new HTTPInputError(
            `More than ${this.maxHeaderSize} empty lines before the start line`,
          );
        }
      }
      if (pos === length) return pos;
      // The usual case: the whole head is in this Buffer. Parse a window that should hold
      // it; the line loop finds the empty line that ends it; then check its bytes.
      const expectation = this._current!;
      const limit = Math.min(length, pos + this.maxHeaderSize);
      let text = latin1(buf, pos, Math.min(limit, pos + this._headWindow));
      let head = parseHead(text, text.length, expectation.response, -1, true);
      if (head === null && text.length < limit - pos) {
        // A longer head: look for its end in the bytes first.
        const end = buf.indexOf(CRLFCRLF, pos);
        if (end >= 0 && end + 4 <= limit) {
          text = latin1(buf, pos, end + 4);
          head = parseHead(text, text.length, expectation.response, -1, true);
        }
      }
      if (head !== null) {
        const bad = findForbiddenByte(buf, pos, pos + head.end);
        if (bad >= 0) {
          // Parse again knowing where the bad byte is, for an error that names its line.
          parseHead(text, head.end, expectation.response, bad - pos);
          throw new HTTPInputError(
            `Invalid character ${describeByte(buf[bad]!)} in the message head`,
          );
        }
        // Guess twice this head's size next time: heads from one peer are alike.
        this._headWindow = Math.min(Math.max(2 * head.end, MIN_HEAD_WINDOW), MAX_HEAD_WINDOW);
        this._onHead(head);
        return pos + head.end;
      }
    }
    const before = this._section.text.length;
    const text = this._section.read(buf, pos, this.maxHeaderSize);
    if (text === null) return length;
    const expectation = this._current!;
    this._onHead(
      parseHead(text, text.length, expectation.response, text.search(FORBIDDEN_IN_HEAD))!,
    );
    return pos + this._section.end - before;
  }

  /** Handles a complete, parsed head. */
  private _onHead(head: ParsedHead): void {
    const expectation = this._current!;
    const { startLine, headers } = head;
    let framing: Framing;
    if (startLine instanceof ResponseStartLine) {
      const code = startLine.code;
      if (code < 200 && code !== 101) {
        // RFC 9110 §15.2: an interim response; the final one follows on the same request.
        checkNoBodyDeclared(code, head);
        this._skipped = 0;
        this._handler.onInformational?.(startLine, headers);
        return;
      }
      framing = responseFraming(startLine, head, expectation.method, expectation.upgrade);
    } else {
      framing = requestFraming(startLine as RequestStartLine, head);
    }
    this._framing = framing;
    this._bodyBytes = 0;
    switch (framing.framing) {
      case "length":
        this._remaining = framing.length;
        this._lengthUnchecked = true;
        this._state = framing.length === 0 ? S_FINISH : S_LENGTH;
        break;
      case "chunked":
        this._chunked.start();
        this._state = S_CHUNKED;
        break;
      case "close":
        this._state = S_UNTIL_CLOSE;
        break;
      default:
        this._state = S_FINISH;
    }
    this._handler.onHeaders({
      startLine,
      headers,
      framing: framing.framing,
      contentLength: framing.framing === "length" ? framing.length : null,
      keepAlive: framing.keepAlive,
    });
  }

  /** Checks a Content-Length once `onHeaders` has had its chance to raise the limit. */
  private _checkContentLength(): void {
    this._lengthUnchecked = false;
    if (this._remaining > this.maxBodySize) {
      throw new HTTPInputError(
        `Content-Length too long: ${this._remaining} bytes over maxBodySize (${this.maxBodySize})`,
      );
    }
  }

  /**
   * Hands the next `_remaining` body bytes to the handler as views of `buf` (no copy), at
   * most `maxChunk` at a time (`_run` calls again for the rest).
   */
  private _readLength(buf: Buffer, pos: number): number {
    const n = Math.min(buf.length - pos, this.maxChunk, this._remaining);
    this._remaining -= n;
    if (this._remaining === 0) this._state = S_FINISH;
    this._handler.onData(piece(buf, pos, pos + n));
    return pos + n;
  }

  private _readUntilClose(buf: Buffer, pos: number): number {
    const available = Math.min(buf.length - pos, this.maxChunk);
    this._bodyBytes += available;
    if (this._bodyBytes > this.maxBodySize) {
      // Never a silent truncation: the body is refused as soon as it is too long.
      throw new HTTPInputError(`Body too large: over maxBodySize (${this.maxBodySize} bytes)`);
    }
    this._handler.onData(piece(buf, pos, pos + available));
    return pos + available;
  }

  private _finish(): void {
    const framing = this._framing!;
    const keepAlive = framing.keepAlive;
    const trailers = framing.framing === "chunked" ? this._chunked.trailers : null;
    this._current = null;
    this._state = framing.framing === "tunnel" ? S_UPGRADED : keepAlive ? S_IDLE : S_CLOSED;
    this._handler.onComplete({ trailers, keepAlive });
  }

  private _onEof(): void {
    switch (this._state) {
      case S_IDLE:
        if (this._input.length === 0) this._state = S_CLOSED;
        return;
      case S_HEAD:
        if (this._section.text === "") {
          // Nothing of the expected message arrived: a close, not a malformed message.
          this._state = S_CLOSED;
          return;
        }
        throw new HTTPInputError(
          `Connection closed in the message head after ${this._section.text.length} bytes`,
        );
      case S_UNTIL_CLOSE:
        // RFC 9112 §6.3 rule 8: the close is the end of this body.
        this._finish();
        return;
      case S_LENGTH: {
        const length = this._framing!.length;
        throw new HTTPInputError(
          `Connection closed after ${length - this._remaining} of ${length} body bytes`,
        );
      }
      case S_CHUNKED:
        throw this._chunked.eofError();
      default:
        return;
    }
  }
}
