/**
 * `HTTP1Connection`: one HTTP/1.1 connection over an `IOStream`, client side (mirrors
 * `tornado.http1connection.HTTP1Connection`). It writes a request with `writeHeaders`,
 * `write` and `finish`, and reads the response with `readResponse`, which drives the
 * sans-I/O `HTTP1Parser` from `stream.readBytes(chunkSize, { partial: true })` and hands
 * what it reads to an `HTTPMessageDelegate`.
 *
 * Differences from Tornado:
 * - A malformed or truncated response rejects `readResponse` at once with
 *   `HTTPInputError` (and tells the delegate `onConnectionClose`); Tornado's client waits
 *   for its request timeout (tornado#2984).
 * - A body delimited by the close is streamed in pieces and limited by `maxBodySize`,
 *   never truncated silently; chunk extensions and trailers are accepted.
 * - `decompress` also decodes x-gzip, deflate and br, and a truncated stream is an error.
 * - The connection does not take the stream's close callback; a close is seen by the read.
 * - Only the client side is implemented: `readRequest` and response writing are not.
 */
import { Future, isThenable } from "../concurrent";
import { withTimeout } from "../gen";
import {
  HTTP1Parser,
  HTTPOutputError,
  type HTTP1MessageEnd,
  type HTTP1MessageHead,
  type HTTP1ParserHandler,
  type HTTPConnection,
  type HTTPHeaders,
  type HTTPMessageDelegate,
  type RequestStartLine,
  type ResponseStartLine,
} from "../httputil";
import { IOLoop } from "../ioloop";
import { StreamClosedError, type IOStream } from "../iostream";
import { RuntimeError, TimeoutError } from "../util";
import { DecodingDelegate, type InternalDelegate } from "./_decoding_delegate";
import { CHUNK_END, LAST_CHUNK, chunkSizeLine, encodeRequestHead } from "./_encode";
import { HTTP1ConnectionParameters } from "./parameters";

/** Methods whose requests are sent chunked when they have no Content-Length (as Tornado). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * An HTTP/1.1 client connection: write one request, read its response, and repeat while
 * `readResponse` says the connection may be reused.
 *
 * @example
 * const stream = await new IOStream().connect({ host: "127.0.0.1", port });
 * const conn = new HTTP1Connection(stream, true, new HTTP1ConnectionParameters());
 * await conn.writeHeaders(
 *   new RequestStartLine("GET", "/", "HTTP/1.1"),
 *   new HTTPHeaders({ Host: "127.0.0.1" }),
 * );
 * conn.finish();
 * const reusable = await conn.readResponse(delegate);
 * if (!reusable) conn.close();
 */
export class HTTP1Connection implements HTTPConnection {
  /** The connection's settings. */
  readonly params: HTTP1ConnectionParameters;
  private _stream: IOStream | null;
  private readonly _parser: HTTP1Parser;
  private _bodyTimeout: number | null;

  private _request: RequestStartLine | null = null;
  private _requestCloses = false;
  private _chunking = false;
  /** Body bytes still owed by a request with Content-Length, or null without one. */
  private _remaining: number | null = null;
  private _writeFinished = false;

  private _reading = false;
  private _delegate: InternalDelegate | null = null;
  private _pending: PromiseLike<void> | null = null;
  private _head: HTTP1MessageHead | null = null;
  private _end: HTTP1MessageEnd | null = null;

  /**
   * @param stream - a connected stream, which the connection owns from now on.
   * @param isClient - must be true: only the client side is implemented.
   * @throws {RuntimeError} when `isClient` is false.
   */
  constructor(
    stream: IOStream,
    isClient: boolean,
    params: HTTP1ConnectionParameters = new HTTP1ConnectionParameters(),
  ) {
    if (!isClient) {
      throw new RuntimeError("HTTP1Connection: the server side (readRequest) is not implemented");
    }
    this._stream = stream;
    this.params = params;
    this._bodyTimeout = params.bodyTimeout;
    const handler: HTTP1ParserHandler = {
      onHeaders: (head) => {
        this._head = head;
        this._deliver(this._delegate!.headersReceived(head.startLine, head.headers));
      },
      onData: (chunk) => this._deliver(this._delegate!.dataReceived(chunk)),
      onComplete: (end) => {
        this._end = end;
        // The next message waits for the next readResponse.
        this._parser.pause();
      },
    };
    this._parser = new HTTP1Parser(handler, {
      maxHeaderSize: params.maxHeaderSize,
      maxBodySize: params.maxBodySize ?? stream.maxBufferSize,
    });
  }

  /** The stream, or null after `detach`. */
  get stream(): IOStream | null {
    return this._stream;
  }

  /**
   * Writes the request line and header fields, and optionally the first piece of the body
   * in the same call. A POST, PUT or PATCH without Content-Length (or any request given a
   * first chunk here without one) is sent with `Transfer-Encoding: chunked`, which is then
   * added to `headers`.
   *
   * @returns a Future that resolves when the bytes are handed to the kernel.
   * @throws {HTTPOutputError} before any byte is written, for CR, LF or NUL (or any other
   *   character that cannot be sent) in the method, target, a field name or value.
   * @throws {RuntimeError} when the headers were already written.
   * @example
   * await conn.writeHeaders(new RequestStartLine("POST", "/up", "HTTP/1.1"), headers, body);
   */
  writeHeaders(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Buffer,
  ): Future<void> {
    if (!("method" in startLine)) {
      throw new TypeError("HTTP1Connection is a client: writeHeaders takes a RequestStartLine");
    }
    if (this._request !== null) throw new RuntimeError("The request headers were already written");
    const contentLength = headers.get("Content-Length");
    const chunking =
      contentLength === undefined &&
      !headers.has("Transfer-Encoding") &&
      (BODY_METHODS.has(startLine.method) || (chunk !== undefined && chunk.length > 0));
    let remaining: number | null = null;
    if (contentLength !== undefined) {
      if (!/^\d+$/.test(contentLength)) {
        throw new HTTPOutputError(
          `Cannot write the request: invalid Content-Length "${contentLength}"`,
        );
      }
      remaining = Number(contentLength);
    }
    if (chunking) headers = withChunked(headers);
    const head = encodeRequestHead(startLine, headers);
    this._request = startLine;
    this._requestCloses = headers
      .getList("Connection")
      .some((token) => token.trim().toLowerCase() === "close");
    this._chunking = chunking;
    this._remaining = remaining;
    const stream = this._requireStream();
    if (chunk === undefined || chunk.length === 0) return this._writeTo(stream, [head]);
    this._checkBody(chunk.length);
    return this._writeTo(stream, [head, ...this._frame(chunk)]);
  }

  /**
   * Writes a piece of the body.
   *
   * @throws {HTTPOutputError} for more bytes than Content-Length (the stream is closed
   *   first), or a body on a request that declared neither Content-Length nor chunked.
   * @example
   * await conn.write(Buffer.from("more"));
   */
  write(chunk: Buffer): Future<void> {
    if (this._request === null) throw new RuntimeError("write() before writeHeaders()");
    if (this._writeFinished) throw new RuntimeError("write() after finish()");
    const stream = this._requireStream();
    if (chunk.length === 0) return this._writeTo(stream, []);
    this._checkBody(chunk.length);
    return this._writeTo(stream, this._frame(chunk));
  }

  /**
   * Ends the request: writes the last chunk of a chunked body.
   *
   * @throws {HTTPOutputError} when fewer bytes than Content-Length were written (the stream
   *   is closed first).
   * @example
   * conn.finish();
   */
  finish(): void {
    if (this._request === null) throw new RuntimeError("finish() before writeHeaders()");
    if (this._writeFinished) return;
    if (this._remaining !== null && this._remaining > 0) {
      const missing = this._remaining;
      this._stream?.close();
      throw new HTTPOutputError(`Tried to write ${missing} bytes less than Content-Length`);
    }
    this._writeFinished = true;
    if (this._chunking && this._stream !== null && !this._stream.closed()) {
      // A failure here shows up as a closed stream when the response is read.
      this._stream.write(LAST_CHUNK).catch(() => undefined);
    }
  }

  /**
   * Reads the response to the request written, passing it to `delegate`: the head to
   * `headersReceived` (a returned promise holds the body back until it settles), the body
   * to `dataReceived` (likewise), then `finish()`. A response to HEAD, and 1xx, 204 and 304
   * responses, have no body; 1xx interim responses are skipped.
   *
   * Resolves with whether the connection may carry another request (RFC 9112 §9.3: HTTP/1.1
   * without `Connection: close` on either side, a body that ended by its framing, and no
   * `noKeepAlive`); if not, the stream is closed. Bytes after the response stay for the
   * next `readResponse`. A header or body timeout closes the stream, calls
   * `onConnectionClose` and resolves false.
   *
   * @throws (rejects) `HTTPInputError` for a malformed, oversized or truncated response,
   *   `StreamClosedError` when the stream closed before a response began; in both cases
   *   the stream is closed and, unless it finished, the delegate's `onConnectionClose`
   *   is called first. Also rejects with an error thrown by the delegate.
   * @example
   * const reusable = await conn.readResponse(delegate);
   */
  readResponse(delegate: HTTPMessageDelegate): Future<boolean> {
    if (this._reading) throw new RuntimeError("Already reading a response");
    this._reading = true;
    const internal: InternalDelegate = this.params.decompress
      ? new DecodingDelegate(delegate, () => this._parser.maxBodySize)
      : delegate;
    return Future.fromPromise(this._readMessage(internal));
  }

  /**
   * Closes the stream. Safe to call more than once.
   *
   * @example
   * if (!(await conn.readResponse(delegate))) conn.close();
   */
  close(): void {
    this._stream?.close();
  }

  /**
   * Takes the stream away from the connection (for a protocol upgrade, say) and returns
   * it; the connection can no longer be used. Bytes already read past the last response
   * are not returned to the stream.
   *
   * @throws {RuntimeError} after a previous `detach`.
   * @example
   * const stream = conn.detach();
   */
  detach(): IOStream {
    const stream = this._requireStream();
    this._stream = null;
    return stream;
  }

  /**
   * Sets the body timeout of the response being read, in relative seconds (null for
   * none). Call it from `headersReceived`: the deadline is fixed at the first read of the
   * body. It applies to the current response only.
   *
   * @example
   * headersReceived() { conn.setBodyTimeout(30); }
   */
  setBodyTimeout(delay: number | null): void {
    this._bodyTimeout = delay;
  }

  /**
   * Sets the most body bytes (and decompressed body bytes) of the responses read from now
   * on, e.g. from `headersReceived` for the current one.
   *
   * @throws {RangeError} for a size that is not a positive integer.
   * @example
   * headersReceived() { conn.setMaxBodySize(1 << 20); }
   */
  setMaxBodySize(maxBodySize: number): void {
    if (!Number.isSafeInteger(maxBodySize) || maxBodySize <= 0) {
      throw new RangeError(`maxBodySize must be a positive integer: received ${maxBodySize}`);
    }
    this._parser.maxBodySize = maxBodySize;
  }

  private _requireStream(): IOStream {
    if (this._stream === null) throw new RuntimeError("The connection was detached");
    return this._stream;
  }

  /** Checks a body piece of `size` bytes against the request's framing. */
  private _checkBody(size: number): void {
    if (this._remaining !== null) {
      if (size > this._remaining) {
        this._stream?.close();
        throw new HTTPOutputError("Tried to write more data than Content-Length");
      }
      this._remaining -= size;
    } else if (!this._chunking) {
      throw new HTTPOutputError(
        "Cannot write a body: the request has neither Content-Length nor chunked framing",
      );
    }
  }

  private _frame(chunk: Buffer): Buffer[] {
    return this._chunking ? [chunkSizeLine(chunk.length), chunk, CHUNK_END] : [chunk];
  }

  /** Writes `pieces` in order; the Future of the last one (a failed Future on a closed stream). */
  private _writeTo(stream: IOStream, pieces: Buffer[]): Future<void> {
    try {
      let last: Future<void> | null = null;
      for (const piece of pieces) {
        last?.catch(() => undefined);
        last = stream.write(piece);
      }
      if (last !== null) return last;
      const done = new Future<void>();
      done.setResult(undefined);
      return done;
    } catch (error) {
      const failed = new Future<void>();
      failed.setException(error);
      return failed;
    }
  }

  /** Called with what a delegate method returned: a promise pauses the parser until it settles. */
  private _deliver(result: void | PromiseLike<void>): void {
    if (isThenable(result)) {
      this._pending = result as PromiseLike<void>;
      this._parser.pause();
    }
  }

  private async _readMessage(delegate: InternalDelegate): Promise<boolean> {
    const stream = this._requireStream();
    const parser = this._parser;
    this._delegate = delegate;
    this._head = null;
    this._end = null;
    this._pending = null;
    let finished = false;
    try {
      parser.readResponse({ requestMethod: this._request?.method ?? "GET" });
      parser.resume();
      const headerDeadline = this._deadline(this.params.headerTimeout);
      while (this._end === null) {
        const pending = this._pending;
        if (pending !== null) {
          this._pending = null;
          await pending;
          parser.resume();
          continue;
        }
        const deadline =
          this._head === null
            ? headerDeadline
            : (this._bodyDeadline ??= this._deadline(this._bodyTimeout));
        const data = await this._read(stream, deadline);
        if (data === null) {
          parser.feedEof();
          if (this._end === null) throw new StreamClosedError(stream.error ?? undefined);
        } else if (data === TIMED_OUT) {
          stream.close();
          return false;
        } else {
          parser.feed(data);
        }
      }
      // A promise returned for the last piece of body still holds the end back.
      while (this._pending !== null) {
        const pending = this._pending;
        this._pending = null;
        await pending;
      }
      const end = this._end as HTTP1MessageEnd;
      finished = true;
      await delegate.finish();
      const reusable =
        end.keepAlive &&
        !this.params.noKeepAlive &&
        !this._requestCloses &&
        this._writeFinished &&
        !stream.closed();
      if (!reusable) stream.close();
      else this._resetRequest();
      return reusable;
    } catch (error) {
      stream.close(error);
      throw error;
    } finally {
      if (!finished) delegate.onConnectionClose();
      this._delegate = null;
      this._bodyDeadline = null;
      this._reading = false;
    }
  }

  private _bodyDeadline: number | null = null;

  private _deadline(delay: number | null): number | null {
    return delay === null ? null : IOLoop.current().time() + delay;
  }

  /** The next bytes from the stream; null when it closed; TIMED_OUT past `deadline`. */
  private async _read(
    stream: IOStream,
    deadline: number | null,
  ): Promise<Buffer | null | typeof TIMED_OUT> {
    try {
      const read = stream.readBytes(this.params.chunkSize, { partial: true });
      if (deadline === null) return await read;
      return await withTimeout(deadline, read, { quietExceptions: [StreamClosedError] });
    } catch (error) {
      if (error instanceof TimeoutError) return TIMED_OUT;
      if (error instanceof StreamClosedError) return null;
      throw error;
    }
  }

  private _resetRequest(): void {
    this._request = null;
    this._requestCloses = false;
    this._chunking = false;
    this._remaining = null;
    this._writeFinished = false;
    this._bodyTimeout = this.params.bodyTimeout;
  }
}

const TIMED_OUT: unique symbol = Symbol("timed out");

/** `headers` with `Transfer-Encoding: chunked` set (in place, as Tornado does). */
function withChunked(headers: HTTPHeaders): HTTPHeaders {
  headers.set("Transfer-Encoding", "chunked");
  return headers;
}
