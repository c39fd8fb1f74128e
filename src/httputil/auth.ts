/**
 * `encodeUsernamePassword`: the `user:password` bytes of HTTP Basic authentication
 * (mirrors `tornado.httputil.encode_username_password`).
 */

/**
 * Encodes a username and password as `username:password` in UTF-8, as HTTP Basic
 * authentication sends them (before base64). Strings are first normalised to NFC, so the
 * two ways Unicode can spell "é" give the same credentials (RFC 7617 §2.1); Buffers are
 * used as they are.
 *
 * @example
 * encodeUsernamePassword("user", "123\u00a3").toString("base64"); // "dXNlcjoxMjPCow=="
 * encodeUsernamePassword("e\u0301", "").equals(encodeUsernamePassword("\u00e9", "")); // true
 */
export function encodeUsernamePassword(
  username: string | Buffer,
  password: string | Buffer,
): Buffer {
  const user = typeof username === "string" ? Buffer.from(username.normalize("NFC")) : username;
  const pass = typeof password === "string" ? Buffer.from(password.normalize("NFC")) : password;
  return Buffer.concat([user, Buffer.from(":"), pass]);
}
