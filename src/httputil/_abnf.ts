/**
 * The few RFC 9110/9112 grammar rules that `httputil` checks text against (Tornado keeps
 * the same subset in its private `_ABNF` class). Header text is handled as Latin-1
 * strings, one character per byte, so a rule written over bytes applies to characters
 * U+0000 to U+00FF; a character above U+00FF can only come from a caller's own string and
 * is never valid in a field.
 */

/** RFC 9110 §5.1: `field-name = token`, `token = 1*tchar`. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * RFC 9110 §5.5: `field-value = *field-content`, where field content is field-vchars
 * (VCHAR / obs-text) with single SP or HTAB allowed between them, never at either end.
 */
export const FIELD_VALUE =
  /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/**
 * What may never appear in a message head once decoded as Latin-1: control characters
 * other than HTAB, CR and LF, DEL, and a CR that does not start a CRLF (RFC 9112 §2.2: a
 * bare CR is invalid outside the content). LF is the line separator and is handled by
 * the line splitter.
 */
// eslint-disable-next-line no-control-regex -- control characters are the point here
export const FORBIDDEN_IN_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)/;

/** True for SP and HTAB, the only whitespace HTTP strips (RFC 9110 §5.6.3, OWS). */
export function isOWS(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * `text.slice(start, end)` without leading and trailing SP/HTAB. Other whitespace, such as
 * U+00A0 or U+0085, is content and stays (Tornado's `test_unicode_whitespace`).
 */
export function sliceTrimOWS(text: string, start: number, end: number): string {
  while (start < end && isOWS(text.charCodeAt(start))) start++;
  while (end > start && isOWS(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Quotes a value for an error message: JSON string syntax, at most 80 characters. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown);
}
