/**
 * `HTTPRequest`, its options, and `RequestProxy` (mirrors `tornado.httpclient.HTTPRequest`,
 * `HTTPRequest._DEFAULTS` and `_RequestProxy`).
 *
 * A request holds only what its caller set: every option left out stays `undefined`, and
 * a client reads the request through a {@link RequestProxy}, which falls back to the
 * client's defaults ({@link HTTP_REQUEST_DEFAULTS} merged with the client's `defaults`).
 *
 * Differences from Tornado:
 * - Keyword arguments are fields of one options object with camelCase names
 *   (`request_timeout` -> `requestTimeout`); `prepare_curl_callback` is not ported.
 * - `ifModifiedSince` is stored as given (a `Date`, or epoch seconds) and turned into an
 *   `If-Modified-Since` header (`formatTimestamp`) by the client when it sends the
 *   request; Tornado writes the header into `headers` at construction.
 * - `decompressResponse` is not copied from `useGzip` at construction; the proxy applies
 *   the fallback (request, then defaults), so the request keeps exactly what was given.
 * - `RequestProxy` has typed getters instead of `__getattr__`, so an unknown attribute is a
 *   compile error rather than an `AttributeError`.
 */
import type * as tls from "node:tls";
import { HTTPHeaders, type HTTPHeadersInit } from "../httputil";
import type { SSLOptions } from "../netutil";

/**
 * The options of an HTTP request (Tornado's `HTTPRequest` keyword arguments). Times are
 * relative seconds; `0` means no timeout.
 *
 * @example
 * const options: HTTPRequestOptions = { method: "POST", body: "a=1", requestTimeout: 5 };
 */
export interface HTTPRequestOptions {
  /** HTTP method, case-sensitive (default "GET"). */
  method?: string;
  /** Request headers: an object, `[name, value]` pairs, or an `HTTPHeaders`. */
  headers?: HTTPHeadersInit;
  /** Request body; a string is encoded as UTF-8. */
  body?: string | Buffer | Uint8Array;
  /** Username for HTTP authentication. */
  authUsername?: string;
  /** Password for HTTP authentication. */
  authPassword?: string;
  /** Authentication scheme: "basic" (the default and the only one the simple client knows). */
  authMode?: string;
  /** Relative seconds to wait for the connection (DNS, TCP, TLS); 0 = none (default 20). */
  connectTimeout?: number;
  /** Relative seconds for the whole request, from `fetch()`; 0 = none (default 20). */
  requestTimeout?: number;
  /** Sends `If-Modified-Since`: a `Date`, or seconds since the Unix epoch. */
  ifModifiedSince?: Date | number;
  /** Follow redirects (default true). */
  followRedirects?: boolean;
  /** At most this many redirects are followed (default 5). */
  maxRedirects?: number;
  /** `User-Agent` header to send. */
  userAgent?: string;
  /** Ask for and decode compressed responses (default true). */
  decompressResponse?: boolean;
  /** Deprecated alias of `decompressResponse`, used when that is unset. */
  useGzip?: boolean;
  /** Local IP address to connect from. */
  networkInterface?: string;
  /**
   * Receives each body chunk as it arrives (the response's `buffer` stays empty). A
   * returned promise is awaited before more is read (flow control). A chunk is the
   * caller's to keep (never written again), but it may be a view of a larger read buffer
   * that it keeps alive: copy small pieces kept for long.
   */
  streamingCallback?: (chunk: Buffer) => void | PromiseLike<void>;
  /**
   * Beyond Tornado: each chunk given to `streamingCallback` is valid only until the
   * callback returns (or, if it returns a promise, until that settles); the client may
   * then read the next bytes into the same memory. Copy (`Buffer.from(chunk)`) whatever
   * you keep. In exchange a long download reuses one buffer instead of taking fresh
   * memory for every read, which Node frees only at its next collection: in a fresh
   * process the first 100 MiB download runs about 1.7x as fast and the second about 1.2x,
   * with about 40% less peak memory, and while the callback keeps up the client reads in
   * smaller pieces, which made warm loopback downloads 10-15% faster (docs/porting.md,
   * "Streaming a body"). Default false: chunks are the caller's to keep, as in Tornado.
   * No effect without `streamingCallback`; memory is reused on plain-HTTP connections
   * only.
   *
   * @example
   * const digest = crypto.createHash("sha256");
   * await client.fetch(url, {
   *   streamingCallback: (chunk) => void digest.update(chunk),
   *   transientChunks: true,
   * });
   */
  transientChunks?: boolean;
  /** Receives the status line and each header line (with CRLF), then a blank line. */
  headerCallback?: (line: string) => void;
  /** HTTP proxy host. */
  proxyHost?: string;
  /** HTTP proxy port. */
  proxyPort?: number;
  /** Username for the proxy. */
  proxyUsername?: string;
  /** Password for the proxy (default ""). */
  proxyPassword?: string;
  /** Proxy authentication scheme ("basic"). */
  proxyAuthMode?: string;
  /** Skip the body checks for methods (a GET with a body, a POST without; default false). */
  allowNonstandardMethods?: boolean;
  /** Verify the server's TLS certificate (default true). */
  validateCert?: boolean;
  /** CA certificates to trust: PEM contents or a file path, or several. */
  caCerts?: string | Buffer | (string | Buffer)[];
  /** Allow connecting over IPv6. */
  allowIpv6?: boolean;
  /** Client private key (file path or PEM). */
  clientKey?: string;
  /** Client certificate (file path or PEM). */
  clientCert?: string;
  /**
   * Writes the body in pieces through `write` (chunked unless a `Content-Length` header
   * is set); `write` resolves when the chunk has been flushed.
   */
  bodyProducer?: (write: (chunk: Buffer | string) => PromiseLike<void>) => void | PromiseLike<void>;
  /** Send `Expect: 100-continue` and wait for the server before sending the body. */
  expect100Continue?: boolean;
  /** TLS options or a ready context (takes precedence over validateCert/caCerts/client*). */
  sslOptions?: SSLOptions | tls.SecureContext;
}

/**
 * The defaults a client applies to options a request leaves unset (Tornado's
 * `HTTPRequest._DEFAULTS`). Frozen; a client's `defaults` option is merged over it.
 *
 * @example
 * HTTP_REQUEST_DEFAULTS.requestTimeout; // 20
 */
export const HTTP_REQUEST_DEFAULTS: Readonly<HTTPRequestOptions> = Object.freeze({
  connectTimeout: 20,
  requestTimeout: 20,
  followRedirects: true,
  maxRedirects: 5,
  decompressResponse: true,
  proxyPassword: "",
  allowNonstandardMethods: false,
  validateCert: true,
});

/** A body as a Buffer: strings as UTF-8, other byte arrays viewed without copying. */
function toBody(value: string | Buffer | Uint8Array | undefined | null): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError(`body must be a string, Buffer or Uint8Array; got ${typeof value}`);
}

/**
 * An HTTP request for `AsyncHTTPClient.fetch` (Tornado's `HTTPRequest`).
 *
 * Every option is a plain mutable field, `undefined` when the caller did not set it (the
 * client's defaults then apply); `headers` is always an `HTTPHeaders` and `body` always a
 * Buffer (or undefined).
 *
 * @throws {TypeError} if `body` is not a string, Buffer or Uint8Array.
 * @example
 * const request = new HTTPRequest("http://127.0.0.1:8888/post", {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ a: 1 }),
 * });
 * const response = await new AsyncHTTPClient().fetch(request);
 */
export class HTTPRequest {
  /** The URL to fetch. */
  url: string;
  /** The HTTP method (default "GET"). */
  method: string;
  authUsername: string | undefined;
  authPassword: string | undefined;
  authMode: string | undefined;
  connectTimeout: number | undefined;
  requestTimeout: number | undefined;
  ifModifiedSince: Date | number | undefined;
  followRedirects: boolean | undefined;
  maxRedirects: number | undefined;
  userAgent: string | undefined;
  decompressResponse: boolean | undefined;
  useGzip: boolean | undefined;
  networkInterface: string | undefined;
  streamingCallback: HTTPRequestOptions["streamingCallback"];
  /** See {@link HTTPRequestOptions.transientChunks}. */
  transientChunks: boolean | undefined;
  headerCallback: HTTPRequestOptions["headerCallback"];
  proxyHost: string | undefined;
  proxyPort: number | undefined;
  proxyUsername: string | undefined;
  proxyPassword: string | undefined;
  proxyAuthMode: string | undefined;
  allowNonstandardMethods: boolean | undefined;
  validateCert: boolean | undefined;
  caCerts: HTTPRequestOptions["caCerts"];
  allowIpv6: boolean | undefined;
  clientKey: string | undefined;
  clientCert: string | undefined;
  bodyProducer: HTTPRequestOptions["bodyProducer"];
  /** Send `Expect: 100-continue` (default false). */
  expect100Continue: boolean;
  sslOptions: HTTPRequestOptions["sslOptions"];
  /** Wall-clock seconds (`Date.now() / 1000`) when the request was made. */
  readonly startTime: number;

  // Both set in the constructor, through the setters.
  private _headers!: HTTPHeaders;
  private _body: Buffer | undefined;

  constructor(url: string, options?: HTTPRequestOptions);
  constructor(options: HTTPRequestOptions & { url: string });
  constructor(
    urlOrOptions: string | (HTTPRequestOptions & { url: string }),
    maybe?: HTTPRequestOptions,
  ) {
    const options: HTTPRequestOptions =
      typeof urlOrOptions === "string" ? (maybe ?? {}) : urlOrOptions;
    this.url = typeof urlOrOptions === "string" ? urlOrOptions : urlOrOptions.url;
    this.method = options.method ?? "GET";
    this.headers = options.headers;
    this.body = options.body;
    this.authUsername = options.authUsername;
    this.authPassword = options.authPassword;
    this.authMode = options.authMode;
    this.connectTimeout = options.connectTimeout;
    this.requestTimeout = options.requestTimeout;
    this.ifModifiedSince = options.ifModifiedSince;
    this.followRedirects = options.followRedirects;
    this.maxRedirects = options.maxRedirects;
    this.userAgent = options.userAgent;
    this.decompressResponse = options.decompressResponse;
    this.useGzip = options.useGzip;
    this.networkInterface = options.networkInterface;
    this.streamingCallback = options.streamingCallback;
    this.transientChunks = options.transientChunks;
    this.headerCallback = options.headerCallback;
    this.proxyHost = options.proxyHost;
    this.proxyPort = options.proxyPort;
    this.proxyUsername = options.proxyUsername;
    this.proxyPassword = options.proxyPassword;
    this.proxyAuthMode = options.proxyAuthMode;
    this.allowNonstandardMethods = options.allowNonstandardMethods;
    this.validateCert = options.validateCert;
    this.caCerts = options.caCerts;
    this.allowIpv6 = options.allowIpv6;
    this.clientKey = options.clientKey;
    this.clientCert = options.clientCert;
    this.bodyProducer = options.bodyProducer;
    this.expect100Continue = options.expect100Continue ?? false;
    this.sslOptions = options.sslOptions;
    this.startTime = Date.now() / 1000;
  }

  /** The request headers; never undefined. */
  get headers(): HTTPHeaders {
    return this._headers;
  }

  /**
   * Replaces the headers: an `HTTPHeaders` is kept as is (as Tornado keeps the object it
   * is given), anything else is copied into a new one, and `undefined`/`null` gives an
   * empty one.
   */
  set headers(value: HTTPHeadersInit | undefined | null) {
    if (value instanceof HTTPHeaders) this._headers = value;
    else this._headers = new HTTPHeaders(value ?? undefined);
  }

  /** The request body, or undefined for none. */
  get body(): Buffer | undefined {
    return this._body;
  }

  /** Sets the body; a string is encoded as UTF-8. */
  set body(value: string | Buffer | Uint8Array | undefined | null) {
    this._body = toBody(value);
  }
}

/**
 * A request seen through a client's defaults (Tornado's `_RequestProxy`): each option is
 * the request's value when it is not undefined, else the defaults' value, else undefined.
 * `decompressResponse` falls back to `useGzip` (request, then defaults) when unset.
 *
 * @example
 * const proxy = new RequestProxy(new HTTPRequest("http://example.com/"), HTTP_REQUEST_DEFAULTS);
 * proxy.requestTimeout; // 20
 */
export class RequestProxy {
  constructor(
    /** The request as the caller made it. */
    readonly request: HTTPRequest,
    /** Values for the options the request leaves unset; null for none. */
    readonly defaults: Readonly<HTTPRequestOptions> | null,
  ) {}

  /** The request's value of `name`, else the defaults' value. */
  private _get<K extends keyof HTTPRequestOptions & keyof HTTPRequest>(
    name: K,
  ): HTTPRequest[K] | HTTPRequestOptions[K] {
    const value = this.request[name];
    if (value !== undefined && value !== null) return value;
    return this.defaults === null ? undefined : this.defaults[name];
  }

  get url(): string {
    return this.request.url;
  }
  get method(): string {
    return this.request.method;
  }
  get headers(): HTTPHeaders {
    return this.request.headers;
  }
  get body(): Buffer | undefined {
    return this.request.body ?? toBody(this.defaults?.body);
  }
  get startTime(): number {
    return this.request.startTime;
  }
  get authUsername(): string | undefined {
    return this._get("authUsername");
  }
  get authPassword(): string | undefined {
    return this._get("authPassword");
  }
  get authMode(): string | undefined {
    return this._get("authMode");
  }
  get connectTimeout(): number | undefined {
    return this._get("connectTimeout");
  }
  get requestTimeout(): number | undefined {
    return this._get("requestTimeout");
  }
  get ifModifiedSince(): Date | number | undefined {
    return this._get("ifModifiedSince");
  }
  get followRedirects(): boolean | undefined {
    return this._get("followRedirects");
  }
  get maxRedirects(): number | undefined {
    return this._get("maxRedirects");
  }
  get userAgent(): string | undefined {
    return this._get("userAgent");
  }
  get decompressResponse(): boolean | undefined {
    const request = this.request;
    const defaults = this.defaults;
    return (
      request.decompressResponse ??
      request.useGzip ??
      defaults?.decompressResponse ??
      defaults?.useGzip
    );
  }
  get useGzip(): boolean | undefined {
    return this._get("useGzip");
  }
  get networkInterface(): string | undefined {
    return this._get("networkInterface");
  }
  get streamingCallback(): HTTPRequestOptions["streamingCallback"] {
    return this._get("streamingCallback");
  }
  get transientChunks(): boolean | undefined {
    return this._get("transientChunks");
  }
  get headerCallback(): HTTPRequestOptions["headerCallback"] {
    return this._get("headerCallback");
  }
  get proxyHost(): string | undefined {
    return this._get("proxyHost");
  }
  get proxyPort(): number | undefined {
    return this._get("proxyPort");
  }
  get proxyUsername(): string | undefined {
    return this._get("proxyUsername");
  }
  get proxyPassword(): string | undefined {
    return this._get("proxyPassword");
  }
  get proxyAuthMode(): string | undefined {
    return this._get("proxyAuthMode");
  }
  get allowNonstandardMethods(): boolean | undefined {
    return this._get("allowNonstandardMethods");
  }
  get validateCert(): boolean | undefined {
    return this._get("validateCert");
  }
  get caCerts(): HTTPRequestOptions["caCerts"] {
    return this._get("caCerts");
  }
  get allowIpv6(): boolean | undefined {
    return this._get("allowIpv6");
  }
  get clientKey(): string | undefined {
    return this._get("clientKey");
  }
  get clientCert(): string | undefined {
    return this._get("clientCert");
  }
  get bodyProducer(): HTTPRequestOptions["bodyProducer"] {
    return this._get("bodyProducer");
  }
  get expect100Continue(): boolean {
    // The request always holds a boolean here (default false), as in Tornado.
    return this.request.expect100Continue;
  }
  get sslOptions(): HTTPRequestOptions["sslOptions"] {
    return this._get("sslOptions");
  }
}
