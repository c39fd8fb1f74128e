/**
 * The error class of `netutil`.
 */

/**
 * A name could not be turned into any usable address: the resolver answered with no
 * addresses, or none of the requested family.
 *
 * Tornado has no such class (Python's `getaddrinfo` raises `socket.gaierror` for these
 * cases, and `TCPClient` trips over an empty list). Errors of the system resolver itself
 * (`ENOTFOUND`, `EAI_AGAIN`, ...) are passed on unchanged, as Node raises them.
 *
 * @example
 * try { await resolver.resolve("example.invalid", 80); }
 * catch (e) { if (e instanceof ResolverError) console.log(e.host, e.port); }
 */
export class ResolverError extends Error {
  override name = "ResolverError";
  constructor(
    message: string,
    /** The name that was being resolved. */
    readonly host: string,
    /** The port that was asked for. */
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
