/**
 * Tornado-style TLS options and their translation to Node's `tls` (mirrors
 * `tornado.netutil.ssl_options_to_context`).
 *
 * Tornado accepts either a ready `ssl.SSLContext` or a dict of a few known keys and builds a
 * context from it. Node splits what Python keeps in one `SSLContext` into a
 * `tls.SecureContext` (certificates, keys, CAs, ciphers, protocol floor) and per-connection
 * flags (`rejectUnauthorized`, hostname checking, `requestCert`), so
 * {@link sslOptionsToContext} returns both.
 *
 * Differences from Tornado: keys are camelCase (`ca_certs` -> `caCerts`, `cert_reqs` ->
 * `verifyMode`, `ssl_version` -> `minVersion`); certificates and keys may be given as PEM
 * contents as well as file paths; an unknown key throws `TypeError` (Tornado asserts).
 */
import * as fs from "node:fs";
import type * as tls from "node:tls";
import { tlsModule } from "../util/_lazy_builtins";

/**
 * TLS options in Tornado's shape (Tornado's `ssl_options` dict, camelCased).
 *
 * A string that starts with `-----BEGIN` is PEM content; any other string is a file path
 * (read synchronously when the context is made, as Python's `load_cert_chain` does). A
 * `Buffer` is always PEM content.
 */
export interface SSLOptions {
  /** CA certificates to trust instead of the system store (Tornado's `ca_certs`). */
  caCerts?: string | Buffer | (string | Buffer)[];
  /** Path of this side's certificate chain (PEM); Tornado's `certfile`. */
  certfile?: string;
  /** Path of the private key for `certfile`; Tornado's `keyfile`. */
  keyfile?: string;
  /** This side's certificate chain as PEM content (or a path). */
  cert?: string | Buffer;
  /** The private key as PEM content (or a path). */
  key?: string | Buffer;
  /**
   * Check that the peer certificate names the host (client side only). Default: true on
   * the client unless `verifyMode` is `"CERT_NONE"`.
   */
  checkHostname?: boolean;
  /**
   * Tornado's `cert_reqs`. Client default `"CERT_REQUIRED"` (a client treats
   * `"CERT_OPTIONAL"` like `"CERT_REQUIRED"`, as OpenSSL does); server default `"CERT_NONE"`
   * (`"CERT_OPTIONAL"` asks for a client certificate, `"CERT_REQUIRED"` demands one).
   */
  verifyMode?: "CERT_NONE" | "CERT_OPTIONAL" | "CERT_REQUIRED";
  /** OpenSSL cipher list (Tornado's `ciphers`). */
  ciphers?: string;
  /** Lowest TLS version to accept (stands in for Tornado's `ssl_version`). */
  minVersion?: tls.SecureVersion;
}

/** What {@link sslOptionsToContext} returns: the context plus per-connection flags. */
export interface TLSContextSettings {
  /** Certificates, keys, CAs and ciphers, ready for `tls.connect`/`new tls.TLSSocket`. */
  secureContext: tls.SecureContext;
  /**
   * Client: fail the handshake when the peer certificate does not verify. Server: refuse
   * clients without a valid certificate (only meaningful with `requestCert`).
   */
  rejectUnauthorized: boolean;
  /** Client only: verify that the certificate matches the server hostname. */
  checkHostname: boolean;
  /** Server only: ask the client for a certificate (`verifyMode` other than `CERT_NONE`). */
  requestCert: boolean;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  "caCerts",
  "certfile",
  "keyfile",
  "cert",
  "key",
  "checkHostname",
  "verifyMode",
  "ciphers",
  "minVersion",
]);

const VERIFY_MODES: ReadonlySet<string> = new Set(["CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED"]);

/**
 * True for a context made by `tls.createSecureContext` (what `sslOptions` may be instead
 * of an options object).
 *
 * @example
 * isSecureContext(tls.createSecureContext()); // true
 * isSecureContext({ caCerts: "ca.pem" });     // false
 */
export function isSecureContext(value: unknown): value is tls.SecureContext {
  if (value === null || typeof value !== "object") return false;
  // Node exports the `SecureContext` class at runtime; its typings only declare the
  // interface.
  const { SecureContext } = tlsModule() as unknown as {
    SecureContext: new (...args: never[]) => object;
  };
  return value instanceof SecureContext;
}

/**
 * Turns Tornado-style TLS options into a Node secure context and connection flags (Tornado's
 * `ssl_options_to_context`).
 *
 * - `null`/`undefined`: the defaults. A client verifies the certificate against the system
 *   CAs and checks the hostname (Tornado's default client context); a server asks nothing
 *   of the client.
 * - a `tls.SecureContext`: used as is, with those same defaults for the flags (a Node
 *   context, unlike Python's, does not carry them).
 * - an {@link SSLOptions} object: a new context from its keys.
 *
 * @param serverSide true for the accepting side; default false (client).
 * @throws `TypeError` for an unknown key ("Unknown SSL option …"), a bad `verifyMode`, or
 *   `checkHostname: true` with `verifyMode: "CERT_NONE"`; Node's errors for unreadable files
 *   or invalid PEM.
 * @example
 * const { secureContext, rejectUnauthorized, checkHostname } = sslOptionsToContext({
 *   caCerts: "test/fixtures/tls/ca.pem",
 * });
 */
export function sslOptionsToContext(
  options: SSLOptions | tls.SecureContext | null | undefined,
  serverSide = false,
): TLSContextSettings {
  if (options === null || options === undefined) {
    return defaults(tlsModule().createSecureContext(), serverSide);
  }
  if (isSecureContext(options)) return defaults(options, serverSide);
  if (typeof options !== "object") {
    throw new TypeError(`SSL options must be an object or a SecureContext; got ${typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new TypeError(`Unknown SSL option "${key}" (known: ${[...KNOWN_KEYS].join(", ")})`);
    }
  }
  const verifyMode = options.verifyMode ?? (serverSide ? "CERT_NONE" : "CERT_REQUIRED");
  if (!VERIFY_MODES.has(verifyMode)) {
    throw new TypeError(`Invalid SSL option verifyMode: "${String(verifyMode)}"`);
  }
  if (options.checkHostname === true && verifyMode === "CERT_NONE" && !serverSide) {
    // Python's ssl module refuses this combination with the same words.
    throw new TypeError("Cannot set verifyMode to CERT_NONE when checkHostname is enabled");
  }
  if (options.certfile !== undefined && options.cert !== undefined) {
    throw new TypeError("Give SSL option certfile or cert, not both");
  }
  if (options.keyfile !== undefined && options.key !== undefined) {
    throw new TypeError("Give SSL option keyfile or key, not both");
  }
  const contextOptions: tls.SecureContextOptions = {};
  const cert = options.certfile ?? options.cert;
  // As in Python's load_cert_chain, a certfile without a keyfile holds the key too.
  const key = options.keyfile ?? options.key ?? options.certfile;
  if (cert !== undefined) contextOptions.cert = pemOrFile(cert, "cert");
  if (key !== undefined) contextOptions.key = pemOrFile(key, "key");
  if (options.caCerts !== undefined) {
    const list = Array.isArray(options.caCerts) ? options.caCerts : [options.caCerts];
    contextOptions.ca = list.map((ca) => pemOrFile(ca, "caCerts"));
  }
  if (options.ciphers !== undefined) contextOptions.ciphers = options.ciphers;
  if (options.minVersion !== undefined) contextOptions.minVersion = options.minVersion;
  const secureContext = tlsModule().createSecureContext(contextOptions);
  if (serverSide) {
    return {
      secureContext,
      rejectUnauthorized: verifyMode === "CERT_REQUIRED",
      checkHostname: false,
      requestCert: verifyMode !== "CERT_NONE",
    };
  }
  const verify = verifyMode !== "CERT_NONE";
  return {
    secureContext,
    rejectUnauthorized: verify,
    checkHostname: options.checkHostname ?? verify,
    requestCert: false,
  };
}

function defaults(secureContext: tls.SecureContext, serverSide: boolean): TLSContextSettings {
  return {
    secureContext,
    rejectUnauthorized: !serverSide,
    checkHostname: !serverSide,
    requestCert: false,
  };
}

/** PEM content stays as is; any other string is a path, read now. */
function pemOrFile(value: string | Buffer, what: string): string | Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value !== "string") {
    throw new TypeError(`SSL option ${what} must be a path, PEM string or Buffer`);
  }
  if (value.trimStart().startsWith("-----BEGIN")) return value;
  return fs.readFileSync(value);
}
