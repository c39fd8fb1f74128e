/**
 * `HTTP1ConnectionParameters`: the settings of an `HTTP1Connection` (mirrors
 * `tornado.http1connection.HTTP1ConnectionParameters`), with Tornado's fields and
 * defaults in camelCase. Times are relative seconds; sizes are bytes.
 */

/**
 * The fields of {@link HTTP1ConnectionParameters}, all optional.
 *
 * @example
 * const init: HTTP1ConnectionParametersInit = { decompress: true, bodyTimeout: 30 };
 */
export interface HTTP1ConnectionParametersInit {
  noKeepAlive?: boolean;
  chunkSize?: number;
  maxHeaderSize?: number;
  headerTimeout?: number | null;
  maxBodySize?: number | null;
  bodyTimeout?: number | null;
  decompress?: boolean;
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer: received ${value}`);
  }
}

function checkDelay(name: string, value: number | null): void {
  if (value !== null && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number of seconds: received ${value}`);
  }
}

/**
 * Settings shared by the connections a client or server makes.
 *
 * @example
 * const params = new HTTP1ConnectionParameters({ decompress: true, maxBodySize: 1 << 20 });
 * const conn = new HTTP1Connection(stream, true, params);
 */
export class HTTP1ConnectionParameters {
  /** Close the connection after each message, whatever the peer says. Default false. */
  readonly noKeepAlive: boolean;
  /**
   * Most bytes of one body piece handed to the delegate (Tornado reads the stream this
   * much at a time; the parser here splits what one stream read brings). Default 65536.
   */
  readonly chunkSize: number;
  /** Most bytes of a message head (and of a trailer section). Default 65536. */
  readonly maxHeaderSize: number;
  /** Relative seconds allowed to read a head; `null` (the default) waits for ever. */
  readonly headerTimeout: number | null;
  /**
   * Most bytes of a body, and of a body after decompression; `null` (the default) means
   * the stream's `maxBufferSize`, as in Tornado.
   */
  readonly maxBodySize: number | null;
  /** Relative seconds allowed to read a body; `null` (the default) waits for ever. */
  readonly bodyTimeout: number | null;
  /**
   * Decode `Content-Encoding` gzip, x-gzip, deflate and br, reporting the coding in
   * `X-Consumed-Content-Encoding` (Tornado's `decompress`). Default false.
   */
  readonly decompress: boolean;

  /**
   * @throws {RangeError} for a size that is not a positive integer or a timeout that is
   *   not a positive number of seconds.
   */
  constructor(init: HTTP1ConnectionParametersInit = {}) {
    this.noKeepAlive = init.noKeepAlive ?? false;
    this.chunkSize = init.chunkSize ?? 65536;
    this.maxHeaderSize = init.maxHeaderSize ?? 65536;
    this.headerTimeout = init.headerTimeout ?? null;
    this.maxBodySize = init.maxBodySize ?? null;
    this.bodyTimeout = init.bodyTimeout ?? null;
    this.decompress = init.decompress ?? false;
    checkSize("chunkSize", this.chunkSize);
    checkSize("maxHeaderSize", this.maxHeaderSize);
    if (this.maxBodySize !== null) checkSize("maxBodySize", this.maxBodySize);
    checkDelay("headerTimeout", this.headerTimeout);
    checkDelay("bodyTimeout", this.bodyTimeout);
  }
}
