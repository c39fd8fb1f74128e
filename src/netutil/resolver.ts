/**
 * Name resolution: the `Resolver` interface, the default resolver on `dns.lookup`, and the
 * choice of default (mirrors `tornado.netutil.Resolver`, `DefaultLoopResolver` and
 * Tornado's `Configurable`).
 *
 * A resolver turns `(host, port)` into the addresses to try, in order, as
 * `[family, { host, port }]` pairs: Tornado's `(family, sockaddr)` with the family as Node
 * writes it (4 or 6) and the socket address as an object.
 *
 * Differences from Tornado:
 * - `Resolver()` (Configurable's constructor) becomes `Resolver.create()`; `configure`
 *   takes a class and no keyword arguments.
 * - One default implementation: `dns.lookup` already runs `getaddrinfo` on libuv's thread
 *   pool, which is what Tornado's threaded and loop resolvers do. The blocking, executor
 *   and c-ares variants have no counterpart.
 * - An answer with no address of the requested family fails with `ResolverError` instead
 *   of an empty list.
 */
import * as dns from "node:dns";
import { Future } from "../concurrent";
import { ResolverError } from "./errors";

/** An IP family as Node writes it: 4 (Tornado's `AF_INET`) or 6 (`AF_INET6`). */
export type AddressFamily = 4 | 6;

/** A requested family: 4, 6, or 0 for either (Tornado's `AF_UNSPEC`, the default). */
export type FamilyOption = 0 | AddressFamily;

/** A socket address: an IP literal (IPv6 without brackets) and a port. */
export interface SocketAddress {
  readonly host: string;
  readonly port: number;
}

/** One answer of a resolver: Tornado's `(family, sockaddr)`. */
export type ResolvedAddress = readonly [family: AddressFamily, address: SocketAddress];

/** Options of {@link Resolver.resolve}. */
export interface ResolveOptions {
  /** Only addresses of this family; default 0, either. */
  family?: FamilyOption;
}

/** A class that `Resolver.configure` accepts: constructible with no arguments. */
export type ResolverClass = new () => Resolver;

/**
 * Turns host names into addresses (Tornado's `Resolver`). Implement `resolve` (with
 * `extends Resolver` or `implements Resolver`); `close` releases what the resolver holds.
 *
 * `Resolver.create()` makes an instance of the configured implementation, by default
 * {@link DefaultResolver}; `Resolver.configure(cls)` changes it for the whole process,
 * as Tornado's `Resolver.configure` does.
 *
 * @example
 * const resolver = Resolver.create();
 * for (const [family, { host, port }] of await resolver.resolve("localhost", 80)) {
 *   console.log(family, host, port);
 * }
 */
export abstract class Resolver {
  /**
   * Resolves `host` (a name or an IP literal) for TCP connections to `port`.
   *
   * @returns a Future of the addresses, in the order to try them; never empty.
   * @throws (rejects) the system resolver's error (`ENOTFOUND` ...), or `ResolverError`
   *   when no address of the requested family exists.
   */
  abstract resolve(host: string, port: number, options?: ResolveOptions): Future<ResolvedAddress[]>;

  /** Releases the resources of the resolver; the default does nothing. */
  close(): void {}

  /**
   * Makes an instance of the configured implementation (Tornado's `Resolver()`).
   *
   * @example
   * const resolver = Resolver.create();
   */
  static create(): Resolver {
    return new (Resolver.configuredClass())();
  }

  /**
   * Chooses the class `Resolver.create()` (and `TCPClient` without a resolver) uses; null
   * restores {@link DefaultResolver}.
   *
   * @throws `TypeError` if `impl` is neither null nor a constructor.
   * @example
   * Resolver.configure(MyResolver);
   */
  static configure(impl: ResolverClass | null): void {
    if (impl !== null && typeof impl !== "function") {
      throw new TypeError(`Resolver.configure needs a Resolver class or null; got ${String(impl)}`);
    }
    configured = impl;
  }

  /** The class `Resolver.create()` instantiates now. */
  static configuredClass(): ResolverClass {
    return configured ?? DefaultResolver;
  }
}

/**
 * The default resolver: the system's `getaddrinfo` through `dns.lookup`, in the order the
 * system returns the addresses (Tornado's `DefaultLoopResolver`). IP literals come back
 * as they are, without a DNS query.
 *
 * @example
 * const addresses = await new DefaultResolver().resolve("localhost", 8080, { family: 4 });
 * // [[4, { host: "127.0.0.1", port: 8080 }]]
 */
export class DefaultResolver extends Resolver {
  /**
   * {@inheritDoc Resolver.resolve}
   *
   * @throws (rejects) `RangeError` for a port outside 0..65535 or a family other than
   *   0, 4 and 6; the `dns.lookup` error (`code` `ENOTFOUND` ...) when the name does not
   *   resolve; `ResolverError` when no address of `family` exists.
   */
  resolve(host: string, port: number, options: ResolveOptions = {}): Future<ResolvedAddress[]> {
    const future = new Future<ResolvedAddress[]>();
    const family = options.family ?? 0;
    const invalid = checkResolveArgs(host, port, family);
    if (invalid !== null) {
      future.setException(invalid);
      return future;
    }
    if (host === "") {
      // Node would warn (DEP0118) and answer nothing; getaddrinfo fails for "" too.
      future.setException(noAddressError(host, port, family));
      return future;
    }
    // verbatim: keep getaddrinfo's order (RFC 6724), whatever --dns-result-order says.
    dns.lookup(host, { all: true, family, verbatim: true }, (error, answers) => {
      if (error) {
        future.setException(error);
        return;
      }
      // Node answers an IP literal itself, whatever the family asked; getaddrinfo would not.
      const addresses: ResolvedAddress[] = [];
      for (const answer of answers) {
        const answerFamily = answer.family as AddressFamily;
        if (family !== 0 && answerFamily !== family) continue;
        addresses.push([answerFamily, { host: answer.address, port }]);
      }
      if (addresses.length === 0) {
        future.setException(noAddressError(host, port, family));
        return;
      }
      future.setResult(addresses);
    });
    return future;
  }
}

/** The error for an answer without a usable address. */
function noAddressError(host: string, port: number, family: FamilyOption): ResolverError {
  const which = family === 0 ? "no addresses" : `no IPv${family} addresses`;
  return new ResolverError(
    `Resolving ${JSON.stringify(host)} (port ${port}) gave ${which}`,
    host,
    port,
  );
}

/** A TypeError/RangeError for bad arguments of `resolve`, else null. */
function checkResolveArgs(host: unknown, port: unknown, family: unknown): Error | null {
  if (typeof host !== "string") {
    return new TypeError(`Resolver needs a host string; got ${String(host)}`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    return new RangeError(`Resolver needs a port in 0..65535; got ${String(port)}`);
  }
  if (family !== 0 && family !== 4 && family !== 6) {
    return new RangeError(`Resolver needs family 0, 4 or 6; got ${String(family)}`);
  }
  return null;
}

let configured: ResolverClass | null = null;
