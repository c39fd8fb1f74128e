/**
 * `isValidIp` (mirrors `tornado.netutil.is_valid_ip`).
 */
import * as net from "node:net";

/**
 * True if `ip` is an IPv4 or IPv6 address literal (IPv6 without brackets; a zone such as
 * `fe80::1%eth0` is allowed). Host names, padded strings, the empty string and anything
 * that is not a string are not.
 *
 * Tornado asks `getaddrinfo` with `AI_NUMERICHOST`, which also takes the short IPv4 forms
 * of `inet_aton` (`127.1`, `0x7f.0.0.1`); this follows Node's `net.isIP` and rejects them.
 *
 * @example
 * isValidIp("::1");        // true
 * isValidIp("localhost");  // false
 */
export function isValidIp(ip: unknown): boolean {
  // Tornado's guards: empty, None and NUL never reach getaddrinfo.
  if (typeof ip !== "string" || ip === "" || ip.includes("\x00")) return false;
  return net.isIP(ip) !== 0;
}
