/**
 * tornado-ts `netutil`: name resolution and TLS option handling (mirrors
 * `tornado.netutil`).
 *
 * `bind_sockets`, `bind_unix_socket` and `add_accept_handler` have no counterpart: Node's
 * `net.Server` binds and accepts (see `bindUnusedPort` in `tornado-ts/testing`).
 *
 * @module
 */
export { ResolverError } from "./errors";
export { isValidIp } from "./ip";
export {
  DefaultResolver,
  Resolver,
  type AddressFamily,
  type FamilyOption,
  type ResolveOptions,
  type ResolvedAddress,
  type ResolverClass,
  type SocketAddress,
} from "./resolver";
export { OverrideResolver, type OverrideMapping, type OverrideTarget } from "./override_resolver";
export {
  isSecureContext,
  sslOptionsToContext,
  type SSLOptions,
  type TLSContextSettings,
} from "./ssl_options";
