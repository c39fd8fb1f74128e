/**
 * `OverrideResolver`: a resolver that redirects chosen hosts before asking another
 * (mirrors `tornado.netutil.OverrideResolver`).
 *
 * Tornado keys its mapping dict with `host`, `(host, port)` or `(host, port, family)`.
 * JavaScript maps cannot key by tuple value, so the keys here are strings:
 *
 * | Tornado key                         | key string here          |
 * |-------------------------------------|--------------------------|
 * | `"example.com"`                     | `"example.com"`          |
 * | `("example.com", 443)`              | `"example.com:443"`      |
 * | `("example.com", 443, AF_INET6)`    | `"example.com:443:6"`    |
 * | `("::1", 443)`                      | `"[::1]:443"`            |
 *
 * A host that contains a colon (IPv6) is bracketed when a port follows, as in URLs, so
 * no two keys collide; `OverrideResolver.key(host, port, family)` builds them. Family 0
 * is Tornado's `AF_UNSPEC`. As in Tornado, the most specific key is tried first:
 * host+port+family, then host+port, then host.
 *
 * A value is either a host (only the host is replaced, the port is kept) or a
 * `[host, port]` pair (both are replaced). Tornado pairs tuple keys with `(host, port)`
 * values and host keys with a host; both forms are accepted for every key here.
 */
import type { Future } from "../concurrent";
import { Resolver, type FamilyOption, type ResolveOptions, type ResolvedAddress } from "./resolver";

/** Where an overridden name goes: a host (the port is kept), or a host and a port. */
export type OverrideTarget = string | readonly [host: string, port: number];

/** The mapping of an {@link OverrideResolver}: key strings (see the module) to targets. */
export type OverrideMapping =
  ReadonlyMap<string, OverrideTarget> | Readonly<Record<string, OverrideTarget>>;

/**
 * Resolves through another resolver after replacing the hosts (and ports) of a mapping:
 * handy to point a client at a test server, or to pin a name to an address.
 *
 * The mapping is read at each call, so later changes to it apply.
 *
 * @example
 * const resolver = new OverrideResolver(new DefaultResolver(), {
 *   "example.com": "127.0.0.1",              // any port
 *   "example.com:443": ["127.0.0.1", 8443],  // port 443 only
 *   "example.com:443:6": ["::1", 8443],      // port 443, IPv6 lookups only
 * });
 * await resolver.resolve("example.com", 443, { family: 4 }); // [[4, {host: "127.0.0.1", port: 8443}]]
 */
export class OverrideResolver extends Resolver {
  /**
   * @param resolver the resolver that does the real work (closed with this one).
   * @param mapping key strings to targets (see the module).
   * @throws `TypeError` if `resolver` has no `resolve` method or `mapping` is not an object.
   */
  constructor(
    readonly resolver: Resolver,
    readonly mapping: OverrideMapping,
  ) {
    super();
    if (resolver === null || typeof resolver?.resolve !== "function") {
      throw new TypeError(`OverrideResolver needs a resolver; got ${String(resolver)}`);
    }
    if (typeof mapping !== "object" || mapping === null) {
      throw new TypeError(`OverrideResolver needs a mapping object or Map; got ${String(mapping)}`);
    }
  }

  /**
   * The mapping key for a host, a host and port, or a host, port and family.
   *
   * @example
   * OverrideResolver.key("::1", 80, 6); // "[::1]:80:6"
   */
  static key(host: string, port?: number, family?: FamilyOption): string {
    if (port === undefined) return host;
    const hostPart = host.includes(":") ? `[${host}]` : host;
    return family === undefined ? `${hostPart}:${port}` : `${hostPart}:${port}:${family}`;
  }

  /**
   * Resolves `host` and `port` after applying the first matching key, most specific first.
   *
   * @throws (rejects) whatever the wrapped resolver rejects with.
   */
  resolve(host: string, port: number, options: ResolveOptions = {}): Future<ResolvedAddress[]> {
    const family = options.family ?? 0;
    const target =
      this._lookup(OverrideResolver.key(host, port, family)) ??
      this._lookup(OverrideResolver.key(host, port)) ??
      this._lookup(host);
    if (typeof target === "string") {
      host = target;
    } else if (target !== undefined) {
      [host, port] = target;
    }
    return this.resolver.resolve(host, port, options);
  }

  /** Closes the wrapped resolver (as Tornado does). */
  override close(): void {
    this.resolver.close();
  }

  private _lookup(key: string): OverrideTarget | undefined {
    const mapping = this.mapping;
    if (isMap(mapping)) return mapping.get(key);
    return Object.prototype.hasOwnProperty.call(mapping, key) ? mapping[key] : undefined;
  }
}

function isMap(mapping: OverrideMapping): mapping is ReadonlyMap<string, OverrideTarget> {
  return mapping instanceof Map;
}
