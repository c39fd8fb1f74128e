/**
 * `formatTimestamp`: dates in the form HTTP headers use (mirrors
 * `tornado.httputil.format_timestamp`).
 */

/**
 * Formats a time as an HTTP date, the IMF-fixdate of RFC 9110 §5.6.7:
 * `Sun, 27 Jan 2013 18:43:20 GMT`. A number is seconds since the Unix epoch (as
 * `time.time()` and `IOLoop.time()`-style wall clocks give), and its fraction is dropped;
 * a `Date` is formatted in UTC whatever time zone it was made in.
 *
 * Python's struct_time and time tuples have no JavaScript counterpart; use `Date.UTC`.
 *
 * @throws {TypeError} for another type; {@link RangeError} for NaN, an infinite number or
 *   an invalid `Date`.
 * @example
 * formatTimestamp(1359312200.503611);                // "Sun, 27 Jan 2013 18:43:20 GMT"
 * formatTimestamp(new Date("2013-01-27T14:43:20-04:00")); // "Sun, 27 Jan 2013 18:43:20 GMT"
 */
export function formatTimestamp(ts: number | Date): string {
  let date: Date;
  if (typeof ts === "number") {
    date = new Date(0);
    // Whole seconds, rounded down as Python's `time.gmtime` does (also before 1970).
    date.setUTCSeconds(Math.floor(ts));
  } else if (ts instanceof Date) {
    date = ts;
  } else {
    throw new TypeError(`unknown timestamp type: ${ts === null ? "null" : typeof ts}`);
  }
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`Cannot format timestamp: received ${String(ts)}`);
  }
  return date.toUTCString();
}
