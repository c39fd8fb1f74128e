/**
 * `parseCookie`: reads a `Cookie` request header the way browsers write it (mirrors
 * `tornado.httputil.parse_cookie`, which follows Django 1.9.10 rather than the RFCs,
 * because browsers do not follow them either).
 */

/** Python's `http.cookies._unquote` escapes: `\ooo` (octal, up to \377) or `\x` for any x. */
const COOKIE_ESCAPE = /\\(?:([0-3][0-7][0-7])|([^\n]))/g;

/** Removes the double quotes around a cookie value and resolves its backslash escapes. */
function unquoteCookie(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  return value
    .slice(1, -1)
    .replace(COOKIE_ESCAPE, (_match, octal: string | undefined, char: string | undefined) =>
      octal !== undefined ? String.fromCharCode(Number.parseInt(octal, 8)) : char!,
    );
}

/**
 * Parses a `Cookie` header into an object of names to values. Every `;` separates
 * cookies, even inside quotes; a piece without `=` is a value with the empty name; names
 * and values are trimmed of whitespace; a quoted value is unquoted; a name given twice
 * keeps its last value. The object has no prototype, so any cookie name is safe as a key.
 *
 * @example
 * parseCookie("chips=ahoy; vienna=finger"); // { chips: "ahoy", vienna: "finger" }
 * parseCookie('a="b=\\"c\\""');              // { a: 'b="c"' }
 */
export function parseCookie(cookie: string): Record<string, string> {
  const cookies = Object.create(null) as Record<string, string>;
  for (const chunk of cookie.split(";")) {
    const eq = chunk.indexOf("=");
    // Mozilla bug 169091: a piece without "=" is a value with an empty name.
    const key = (eq < 0 ? "" : chunk.slice(0, eq)).trim();
    const value = (eq < 0 ? chunk : chunk.slice(eq + 1)).trim();
    if (key !== "" || value !== "") cookies[key] = unquoteCookie(value);
  }
  return cookies;
}
