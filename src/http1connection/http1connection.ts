/**
 * `HTTP1Connection`: one HTTP/1.1 connection over an `IOStream`, client or server side
 * (mirrors `tornado.http1connection.HTTP1Connection`). A client writes a request with
 * `writeHeaders`, `write` and `finish` and reads the response with `readResponse`; a
 * server reads a request with `readRequest` and writes the response with the same three
 * methods. Reading feeds the sans-I/O `HTTP1Parser` whatever the stream holds in one
 * piece and hands the body to an `HTTPMessageDelegate` in pieces of at most `chunkSize`
 * (Tornado reads `chunk_size` bytes at a time instead).
 *
 * Differences from Tornado:
 * - The server side reads with `readRequest` (Tornado's calls `read_response` on both
 *   sides); `readResponse` takes per-read options (`decompress`, `onInformational`).
 * - A malformed or truncated response rejects `readResponse` at once with
 *   `HTTPInputError` (and tells the delegate `onConnectionClose`); Tornado's client waits
 *   for its request timeout (tornado#2984).
 * - A body delimited by the close is streamed in pieces and limited by `maxBodySize`,
 *   never truncated silently; chunk extensions and trailers are accepted.
 * - `decompress` also decodes x-gzip, deflate and br, and a truncated stream is an error.
 * - A close of the stream is noticed even while a delegate's promise holds the reading
 *   back; a message it cut short then fails at once (Tornado waits for the delegate).
 * - `detach()` puts the bytes read past the message back into the stream (Tornado reads
 *   no further than it needs, so it has none).
 * - Server side: an HTTP/1.0 response without Content-Length is delimited by the close
 *   (Tornado keeps such a connection alive if the client asked); a body for a 1xx or
 *   204 response is an `HTTPOutputError`, like one for HEAD or 304; the 400 for a
 *   malformed request is written only if no response was begun; `Expect: 100-continue`
 *   is answered only in HTTP/1.1 requests with a body (RFC 9110 §10.1.1).
 */
import { Future, isThenable } from "../concurrent";
import {
  HTTPInputError,
  HTTPOutputError,
  type HTTP1MessageEnd,
  type HTTPConnection,
  type HTTPHeaders,
  type HTTPMessageDelegate,
  type RequestStartLine,
  type ResponseStartLine,
} from "../httputil";
import { hasConnectionOption } from "../httputil/_framing";
import { StreamClosedError, type IOStream } from "../iostream";
import { genLog } from "../log";
import { RuntimeError } from "../util";
import { watchClose } from "./_close_watch";
import { DecodingDelegate, type InternalDelegate } from "./_decoding_delegate";
import { BAD_REQUEST_RESPONSE, CONTINUE_RESPONSE, LAST_CHUNK, encodeRequestHead } from "./_encode";
import { OutgoingBody, writePieces } from "./_outgoing_body";
import {
  DETACHED,
  MessageReader,
  TIMED_OUT,
  type ReadListener,
  type ReadOptions,
  type ReadOutcome,
} from "./_reader";
import { ResponseWriter } from "./_response_writer";
import { HTTP1ConnectionParameters } from "./parameters";

/**
 * Options of one {@link HTTP1Connection.readResponse}.
 *
 * @example
 * await conn.readResponse(delegate, {
 *   decompress: true,
 *   onInformational: (line) => { if (line.code === 100) void sendBody(); },
 * });
 */
export interface HTTP1ReadOptions {
  /** Decode the body's content coding for this response; default `params.decompress`. */
  decompress?: boolean;
  /**
   * Called with each 1xx interim response (100 Continue, 103 Early Hints) read before
   * the final one (RFC 9110 §15.2); an error it throws fails the read.
   */
  onInformational?(startLine: ResponseStartLine, headers: HTTPHeaders): void;
  /**
   * The delegate is done with each body chunk when its `dataReceived` returns (unless it
   * returns a promise): the stream may read the next bytes into the same memory, so a
   * chunk kept past the call can change under its holder. Saves a fresh buffer per read
   * on a long body; the stream reuses memory only on plain TCP sockets it made itself
   * and only for reads that went wholly to such chunks. Default false.
   */
  transientChunks?: boolean;
}

const NO_READ_OPTIONS: HTTP1ReadOptions = Object.freeze({});

/**
 * @internal Hears how a `_readResponseTo` ended: one of the two calls, once, as the
 * Future of `readResponse` would settle. Neither may throw.
 */
export interface ResponseListener {
  /** The response was read and finished; whether the connection may carry another. */
  responseRead(reusable: boolean): void;
  /** The read failed, as `readResponse` rejects. */
  responseFailed(error: unknown): void;
}

/** Methods whose requests are sent chunked when they have no Content-Length (as Tornado). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * An HTTP/1.1 connection. Client side: write one request, read its response, and repeat
 * while `readResponse` says the connection may be reused. Server side: read one request
 * with `readRequest` and answer it; `HTTP1ServerConnection` makes one per request.
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
  /** True for the client side (writes requests, reads responses). */
  readonly isClient: boolean;
  private _stream: IOStream | null;
  private readonly _reader: MessageReader;
  private _bodyTimeout: number | null;
  private _reading = false;
  private _plainReadOptions: ReadOptions | null = null;
  private _transientReadOptions: ReadOptions | null = null;
  /** Client side: where the MessageReader reports the end of a response. */
  private readonly _clientListener: ReadListener | null;
  /** Client side: the response being read, and who hears how it ends. */
  private _readDelegate: InternalDelegate | null = null;
  private _readListener: ResponseListener | null = null;
  /** The body-size limit a decoding delegate applies, asked for as the body comes. */
  private readonly _bodyLimit = (): number => this._reader.parser.maxBodySize;

  // Client side: the request being written.
  private _request: RequestStartLine | null = null;
  private _requestCloses = false;
  /** Whether the request asked for a protocol upgrade (RFC 9110 §7.8), which allows a 101. */
  private _upgradeRequested = false;
  private readonly _body = new OutgoingBody();

  // Server side: the response being written.
  private readonly _response: ResponseWriter | null;
  private _closeCallback: (() => unknown) | null = null;

  /**
   * @param stream - a connected stream, which the connection owns from now on.
   * @param isClient - true to write requests and read responses, false for the server side.
   */
  constructor(
    stream: IOStream,
    isClient: boolean,
    params: HTTP1ConnectionParameters = new HTTP1ConnectionParameters(),
  ) {
    this._stream = stream;
    this.isClient = isClient;
    this.params = params;
    this._bodyTimeout = params.bodyTimeout;
    this._reader = new MessageReader(
      params.maxHeaderSize,
      params.maxBodySize ?? stream.maxBufferSize,
      params.chunkSize,
    );
    this._response = isClient ? null : new ResponseWriter();
    this._clientListener = isClient
      ? {
          readEnded: (outcome) => this._responseEnded(outcome),
          readFailed: (error) => this._responseFailed(error, false),
        }
      : null;
  }

  /** The stream, or null after `detach`. */
  get stream(): IOStream | null {
    return this._stream;
  }

  /**
   * Bytes read from the stream past the last message and held for the next one (a
   * pipelined or unasked message): 0 on an idle keep-alive connection.
   */
  get bufferedBytes(): number {
    return this._reader.parser.bufferedBytes;
  }

  /**
   * Writes the start line and header fields, and optionally the first piece of the body
   * in the same call.
   *
   * Client: takes a `RequestStartLine`. A POST, PUT or PATCH without Content-Length (or
   * any request given a first chunk here without one) is sent with
   * `Transfer-Encoding: chunked`, which is then added to `headers`.
   *
   * Server: takes a `ResponseStartLine`, after the request head was read (from
   * `headersReceived` on). The status line always says HTTP/1.1. A response to an
   * HTTP/1.1 request without Content-Length is sent chunked (not a response to HEAD,
   * nor 1xx, 204 or 304, which carry no body); to HTTP/1.0, such a body runs to the
   * close. `Connection: close` is added when the connection will close after it, and
   * `Connection: Keep-Alive` for an HTTP/1.0 client that asked and gets it. A 1xx status
   * other than 101 is an interim response, followed by another `writeHeaders`.
   *
   * @returns a Future that resolves when the bytes are handed to the kernel.
   * @throws {HTTPOutputError} before any byte is written, for CR, LF or NUL (or any other
   *   character that cannot be sent) in the method, target, reason, a field name or
   *   value; on a server, for Content-Length or Transfer-Encoding in a 1xx or 204.
   * @throws {RuntimeError} when the headers were already written.
   * @throws {TypeError} for a start line of the other side.
   * @example
   * await conn.writeHeaders(new RequestStartLine("POST", "/up", "HTTP/1.1"), headers, body);
   * await conn.writeHeaders(new ResponseStartLine("HTTP/1.1", 200, "OK"), headers, body);
   */
  writeHeaders(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Buffer,
  ): Future<void> {
    if (this._response !== null) {
      if (!("code" in startLine)) {
        throw new TypeError("HTTP1Connection is a server: writeHeaders takes a ResponseStartLine");
      }
      return this._response.writeHeaders(this._requireStream(), startLine, headers, chunk);
    }
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
    if (chunking) headers.set("Transfer-Encoding", "chunked");
    const head = encodeRequestHead(startLine, headers);
    this._request = startLine;
    this._requestCloses = hasConnectionOption(headers.get("Connection"), "close");
    this._upgradeRequested = headers.has("Upgrade");
    this._body.reset(remaining, chunking);
    const stream = this._requireStream();
    if (chunk === undefined || chunk.length === 0) return writePieces(stream, [head]);
    this._body.check(chunk.length, this._stream, "request");
    return writePieces(stream, [head, ...this._body.frame(chunk)]);
  }

  /**
   * Writes a piece of the body.
   *
   * @throws {HTTPOutputError} for more bytes than Content-Length (the stream is closed
   *   first), a body on a request that declared neither Content-Length nor chunked, or a
   *   body on a response that has none (to HEAD; 1xx, 204, 304).
   * @example
   * await conn.write(Buffer.from("more"));
   */
  write(chunk: Buffer): Future<void> {
    if (this._response !== null) return this._response.write(this._requireStream(), chunk);
    if (this._request === null) throw new RuntimeError("write() before writeHeaders()");
    if (this._body.finished) throw new RuntimeError("write() after finish()");
    const stream = this._requireStream();
    if (chunk.length === 0) return writePieces(stream, []);
    this._body.check(chunk.length, this._stream, "request");
    return writePieces(stream, this._body.frame(chunk));
  }

  /**
   * Ends the message: writes the last chunk of a chunked body. On a server, once the
   * response is flushed the connection is closed unless it is kept alive; a response
   * finished before the request was read to its end always closes it (as in Tornado).
   *
   * @throws {HTTPOutputError} when fewer bytes than Content-Length were written (the stream
   *   is closed first).
   * @example
   * conn.finish();
   */
  finish(): void {
    if (this._response !== null) {
      this._response.finish(this._requireStream());
      return;
    }
    if (this._request === null) throw new RuntimeError("finish() before writeHeaders()");
    if (this._body.finished) return;
    this._body.checkComplete(this._stream);
    this._body.finished = true;
    if (this._body.chunking && this._stream !== null && !this._stream.closed()) {
      // A failure here shows up as a closed stream when the response is read.
      this._stream.write(LAST_CHUNK).catch(() => undefined);
    }
  }

  /**
   * Client side: reads the response to the request written, passing it to `delegate`:
   * the head to `headersReceived` (a returned promise holds the body back until it
   * settles), the body to `dataReceived` (likewise), then `finish()`. A response to HEAD,
   * and 1xx, 204 and 304 responses, have no body; 1xx interim responses are skipped (or
   * given to `options.onInformational`). A 101 is accepted only if the request had an
   * `Upgrade` header (RFC 9110 §7.8); its delegate then `detach`es to take the stream.
   *
   * Resolves with whether the connection may carry another request (RFC 9112 §9.3: HTTP/1.1
   * without `Connection: close` on either side, a body that ended by its framing, and no
   * `noKeepAlive`); if not, the stream is closed. Bytes after the response stay for the
   * next `readResponse`. A header or body timeout closes the stream, calls
   * `onConnectionClose` and resolves false. A `detach()` from `headersReceived` resolves
   * false at once, calling neither `finish` nor `onConnectionClose`.
   *
   * @throws (rejects) `HTTPInputError` for a malformed, oversized or truncated response,
   *   `StreamClosedError` when the stream closed before a response began; in both cases
   *   the stream is closed and, unless it finished, the delegate's `onConnectionClose`
   *   is called first. Also rejects with an error thrown by the delegate.
   * @throws {RuntimeError} on a server connection, a detached one, or while a response is
   *   being read.
   * @example
   * const reusable = await conn.readResponse(delegate);
   */
  readResponse(
    delegate: HTTPMessageDelegate,
    options: HTTP1ReadOptions = NO_READ_OPTIONS,
  ): Future<boolean> {
    const result = new Future<boolean>();
    this._readResponseTo(delegate, options, {
      responseRead: (reusable) => result.setResult(reusable),
      responseFailed: (error) => result.setException(error),
    });
    return result;
  }

  /**
   * @internal `readResponse` without a Future, for the simple client: `listener` hears
   * the outcome, possibly before this returns. (The Future would stay in memory for as
   * long as each response takes, for every response in flight.)
   *
   * @throws as `readResponse` does synchronously.
   */
  _readResponseTo(
    delegate: HTTPMessageDelegate,
    options: HTTP1ReadOptions,
    listener: ResponseListener,
  ): void {
    if (!this.isClient) throw new RuntimeError("readResponse() on a server connection");
    const stream = this._requireStream();
    this._startReading();
    const wrapped = this._wrap(delegate, options.decompress ?? this.params.decompress);
    this._readDelegate = wrapped;
    this._readListener = listener;
    try {
      this._reader.parser.readResponse({
        requestMethod: this._request?.method ?? "GET",
        upgradeRequested: this._upgradeRequested,
      });
    } catch (error) {
      // A parser that failed or was upgraded before: the read fails, as a read would.
      this._responseFailed(error, false);
      return;
    }
    this._reader.read(
      stream,
      wrapped,
      this._responseReadOptions(options.onInformational, options.transientChunks === true),
      this._clientListener!,
    );
  }

  /**
   * Server side: reads one request, passing it to `delegate` as `readResponse` does, then
   * waits until the application has finished the response (`finish()` and flushed) or the
   * connection closed. `Expect: 100-continue` is answered with
   * `HTTP/1.1 100 (Continue)` once `headersReceived` returns, unless a response was
   * already finished; a body that arrives after the response was finished is read and
   * dropped. As in Tornado, the delegate gets `finish()` only if the response was not
   * finished before the request was read, and `onConnectionClose()` otherwise.
   *
   * Resolves with whether the connection can carry another request: false after
   * `Connection: close` from either side, an HTTP/1.0 request without keep-alive, a
   * close-delimited response, `noKeepAlive`, a timeout, a detach, or a close. A malformed
   * request (`HTTPInputError`, also a head or body over its limit) is logged (info,
   * `genLog`), answered with `HTTP/1.1 400 Bad Request` if no response was begun, and
   * the connection closed: it resolves false, as in Tornado.
   *
   * @throws (rejects) `StreamClosedError` when the stream closed before a request began or
   *   while it was read; an error thrown by the delegate (the stream is then closed).
   * @throws {RuntimeError} on a client connection, or when called twice.
   * @example
   * const again = await conn.readRequest(delegate);
   */
  readRequest(delegate: HTTPMessageDelegate): Future<boolean> {
    if (this._response === null) throw new RuntimeError("readRequest() on a client connection");
    if (this._response.started || this._reader.head !== null) {
      throw new RuntimeError("readRequest() reads one request per connection");
    }
    this._startReading();
    const wrapped = this._wrap(delegate, this.params.decompress);
    return Future.fromPromise(this._readRequest(wrapped, this._response));
  }

  /**
   * Closes the stream. Safe to call more than once.
   *
   * @example
   * if (!(await conn.readResponse(delegate))) conn.close();
   */
  close(): void {
    this._stream?.close();
    this._response?.release();
  }

  /**
   * Takes the stream away from the connection (for a protocol upgrade, say) and returns
   * it; the connection can no longer be used. Bytes read past the head or message are put
   * back into the stream (`IOStream.unread`), so the next read there starts with them.
   * Call it from `headersReceived` (as Tornado requires) or between messages.
   *
   * @throws {RuntimeError} after a previous `detach`.
   * @example
   * headersReceived(startLine) {
   *   if (startLine.code === 101) websocket.start(conn.detach());
   * }
   */
  detach(): IOStream {
    const stream = this._requireStream();
    this._stream = null;
    this._reader.detach(stream);
    this._response?.release();
    return stream;
  }

  /**
   * Sets the body timeout of the message being read, in relative seconds (null for
   * none). Call it from `headersReceived`: the deadline is fixed at the first read of the
   * body. It applies to the current message only.
   *
   * @example
   * headersReceived() { conn.setBodyTimeout(30); }
   */
  setBodyTimeout(delay: number | null): void {
    this._bodyTimeout = delay;
  }

  /**
   * Sets the most body bytes (and decompressed body bytes) of the messages read from now
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
    this._reader.parser.maxBodySize = maxBodySize;
  }

  /**
   * Server side: calls `callback` (null removes it) if the connection closes after the
   * request was read and before the response is finished, when no delegate is there to
   * hear `onConnectionClose` (Tornado's `set_close_callback`).
   *
   * @example
   * conn.setCloseCallback(() => job.cancel());
   */
  setCloseCallback(callback: (() => unknown) | null): void {
    this._closeCallback = callback;
  }

  private _requireStream(): IOStream {
    if (this._stream === null) throw new RuntimeError("The connection was detached");
    return this._stream;
  }

  private _startReading(): void {
    if (this._reading) {
      throw new RuntimeError(`Already reading a ${this.isClient ? "response" : "request"}`);
    }
    this._reading = true;
  }

  private _wrap(delegate: HTTPMessageDelegate, decompress: boolean): InternalDelegate {
    return decompress ? new DecodingDelegate(delegate, this._bodyLimit) : delegate;
  }

  /**
   * The read options of a response: one object per connection and kind for the usual
   * case (no `onInformational`), since the read holds it for as long as the response takes.
   */
  private _responseReadOptions(
    onInformational: HTTP1ReadOptions["onInformational"],
    transientChunks: boolean,
  ): ReadOptions {
    if (onInformational !== undefined) {
      return this._readOptions({ onInformational, transientChunks });
    }
    if (transientChunks) {
      return (this._transientReadOptions ??= this._readOptions({ transientChunks }));
    }
    return (this._plainReadOptions ??= this._readOptions({}));
  }

  private _readOptions(extra: Partial<ReadOptions>): ReadOptions {
    return {
      headerTimeout: this.params.headerTimeout,
      bodyTimeout: () => this._bodyTimeout,
      ...extra,
    };
  }

  // --- the end of a response (client side) --------------------------------------------
  //
  // `readResponse` hands the read to the MessageReader with `_clientListener`, whose two
  // calls come here; no async frame waits for the response (see `ReadListener`). As in
  // Tornado, the delegate hears `onConnectionClose` unless it got `finish` or detached.

  /** The reader has finished with the response: finish it (awaiting the delegate's). */
  private _responseEnded(outcome: ReadOutcome): void {
    if (outcome === DETACHED) return this._endResponse(false, false, undefined, true);
    if (outcome === TIMED_OUT) {
      this._stream?.close();
      return this._endResponse(false, false, undefined, false);
    }
    let finishing: void | PromiseLike<void>;
    try {
      finishing = this._readDelegate!.finish();
    } catch (error) {
      return this._responseFailed(error, true);
    }
    if (!isThenable(finishing)) return this._responseComplete(outcome);
    finishing.then(
      () => this._responseComplete(outcome),
      (error: unknown) => this._responseFailed(error, true),
    );
  }

  /** The delegate has finished: may the connection carry another request? */
  private _responseComplete(end: HTTP1MessageEnd): void {
    const stream = this._stream;
    const reusable =
      end.keepAlive &&
      !this.params.noKeepAlive &&
      !this._requestCloses &&
      this._body.finished &&
      stream !== null &&
      !stream.closed();
    if (!reusable) stream?.close();
    else this._resetRequest();
    this._endResponse(reusable, false, undefined, true);
  }

  /** The read or the delegate's `finish` failed: the stream closes. */
  private _responseFailed(error: unknown, finished: boolean): void {
    this._stream?.close(error);
    this._endResponse(false, true, error, finished);
  }

  /** Tells the listener of the response being read (for `readResponse`, its Future's). */
  private _endResponse(
    reusable: boolean,
    failed: boolean,
    error: unknown,
    finished: boolean,
  ): void {
    const delegate = this._readDelegate!;
    const listener = this._readListener!;
    this._readDelegate = null;
    this._readListener = null;
    if (!finished) {
      try {
        delegate.onConnectionClose();
      } catch (thrown) {
        if (!failed) {
          failed = true;
          error = thrown;
        }
      }
    }
    this._reading = false;
    if (failed) listener.responseFailed(error);
    else listener.responseRead(reusable);
  }

  private async _readRequest(
    delegate: InternalDelegate,
    response: ResponseWriter,
  ): Promise<boolean> {
    const stream = this._requireStream();
    // As Tornado: the delegate hears onConnectionClose only once it has had the head.
    let needClose = false;
    try {
      this._reader.parser.readRequest();
      const outcome = await this._readMessage(
        stream,
        delegate,
        this._readOptions({
          onHead: (head) => {
            needClose = true;
            response.requestRead(head, this.params.noKeepAlive);
          },
          afterHeaders: (head) => {
            // RFC 9110 §10.1.1: answer 100-continue (an HTTP/1.0 one is ignored) before
            // reading the body the client holds back, unless already answered in full.
            const expect = head.headers.get("Expect");
            if (
              expect?.trim().toLowerCase() === "100-continue" &&
              (head.startLine as RequestStartLine).version === "HTTP/1.1" &&
              (head.framing === "length" || head.framing === "chunked") &&
              !response.writeFinished &&
              !stream.closed()
            ) {
              stream.write(CONTINUE_RESPONSE).catch(() => undefined);
            }
          },
          wantsBody: () => !response.writeFinished,
        }),
      );
      if (outcome === DETACHED) {
        needClose = false;
        return false;
      }
      if (outcome === TIMED_OUT) {
        if (needClose) genLog.info(`Timeout reading body from ${peer(stream)}`);
        stream.close();
        return false;
      }
      response.readFinished = true;
      if (!response.writeFinished) {
        needClose = false;
        await delegate.finish();
      }
      await this._awaitResponse(stream, response);
      if (this._stream === null) return false;
      const again = !response.disconnectOnFinish && !stream.closed();
      // The next request's connection reads what this one read past its request.
      const rest = this._reader.parser.takeRemaining();
      if (again && rest.length > 0) stream.unread(rest);
      return again;
    } catch (error) {
      if (error instanceof HTTPInputError) {
        // Our own close after an early response cut the request short: nothing is wrong.
        if (response.writeFinished && stream.closed()) return false;
        // The client left mid-request: as in Tornado, a closed stream, not a bad request.
        if (stream.closed()) throw new StreamClosedError(stream.error ?? undefined);
        genLog.info(`Malformed HTTP message from ${peer(stream)}: ${error.message}`);
        if (!response.started) {
          await writePieces(stream, [BAD_REQUEST_RESPONSE]).catch(() => undefined);
        }
        stream.close();
        return false;
      }
      stream.close(error);
      throw error;
    } finally {
      if (needClose) delegate.onConnectionClose();
      this._reading = false;
    }
  }

  /** `MessageReader.read` as a promise of its outcome (server side). */
  private _readMessage(
    stream: IOStream,
    delegate: InternalDelegate,
    options: ReadOptions,
  ): Promise<ReadOutcome> {
    return new Promise((resolve, reject) => {
      this._reader.read(stream, delegate, options, {
        readEnded: resolve,
        readFailed: reject,
      });
    });
  }

  /** Waits for the application's response to be finished, or for the stream to close. */
  private async _awaitResponse(stream: IOStream, response: ResponseWriter): Promise<void> {
    if (!response.finished.done() && !stream.closed()) {
      const watch = watchClose(stream);
      try {
        await Promise.race([response.finished, watch.closed]);
      } finally {
        watch.cancel();
      }
    }
    if (!response.finished.done() && stream.closed()) {
      response.release();
      const callback = this._closeCallback;
      this._closeCallback = null;
      callback?.();
    }
  }

  private _resetRequest(): void {
    this._request = null;
    this._requestCloses = false;
    this._upgradeRequested = false;
    this._body.reset(null, false);
    this._bodyTimeout = this.params.bodyTimeout;
  }
}

/** `address:port` of the peer, for log messages. */
function peer(stream: IOStream): string {
  const socket = stream.socket;
  return socket.remoteAddress === undefined
    ? "<unknown>"
    : `${socket.remoteAddress}:${socket.remotePort}`;
}
