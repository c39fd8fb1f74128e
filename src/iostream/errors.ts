/**
 * The errors of `iostream` (mirrors the exceptions of `tornado.iostream`).
 */

/**
 * The stream is closed, or closed while an operation waited on it.
 *
 * `realError` (also the `cause`) is what closed it when that is known: the Node socket
 * error (`ECONNREFUSED`, `ECONNRESET`, a TLS error), an {@link UnsatisfiableReadError}, or
 * a {@link StreamBufferFullError}; it is undefined for an orderly close by either side.
 *
 * @example
 * try {
 *   await stream.readBytes(10);
 * } catch (e) {
 *   if (e instanceof StreamClosedError) console.log("closed", e.realError?.message);
 * }
 */
export class StreamClosedError extends Error {
  override name = "StreamClosedError";
  /** The error that closed the stream, if any. */
  readonly realError: Error | undefined;

  constructor(realError?: Error | null) {
    super("Stream is closed", realError ? { cause: realError } : undefined);
    this.realError = realError ?? undefined;
  }
}

/**
 * A read cannot be satisfied: `readUntil`/`readUntilRegex` found no delimiter within
 * `maxBytes`. The stream closes, and the read fails with a {@link StreamClosedError} whose
 * `realError` is this error (as in Tornado).
 *
 * @example
 * // message: 'delimiter "\r\n\r\n" not found within 65536 bytes'
 */
export class UnsatisfiableReadError extends Error {
  override name = "UnsatisfiableReadError";
}

/**
 * A buffer limit was reached: `write` would take the write buffer over
 * `maxWriteBufferSize` ("Reached maximum write buffer size", thrown by `write`), or a read
 * needed more than `maxBufferSize` bytes buffered ("Reached maximum read buffer size", the
 * `realError` of the read's {@link StreamClosedError}).
 *
 * @example
 * try { stream.write(hugeBuffer); } catch (e) { if (e instanceof StreamBufferFullError) wait(); }
 */
export class StreamBufferFullError extends Error {
  override name = "StreamBufferFullError";
}
