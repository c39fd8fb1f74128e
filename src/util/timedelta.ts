/**
 * `TimeDelta`: a relative span of time (the part of Python's `datetime.timedelta` that
 * Tornado's APIs accept where they otherwise take an absolute deadline).
 */

/**
 * A relative span of time. Where a Tornado API takes a `deadline`, a number is an
 * absolute `IOLoop.time()` and a `TimeDelta` is relative to now.
 *
 * @example
 * loop.addTimeout({ seconds: 2.5 }, () => console.log("2.5 s later"));
 */
export interface TimeDelta {
  /** Length of the span in seconds; may be fractional. */
  readonly seconds: number;
}

/**
 * Builds a {@link TimeDelta} from parts, as `datetime.timedelta(minutes=1, seconds=23)`.
 *
 * @throws `TypeError` if a part is not a finite number.
 * @example
 * timedelta({ minutes: 1, seconds: 23 }).seconds; // 83
 */
export function timedelta(parts: {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}): TimeDelta {
  const { days = 0, hours = 0, minutes = 0, seconds = 0, milliseconds = 0 } = parts;
  for (const [name, value] of Object.entries({ days, hours, minutes, seconds, milliseconds })) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`timedelta: ${name} must be a finite number; got ${String(value)}`);
    }
  }
  return { seconds: days * 86400 + hours * 3600 + minutes * 60 + seconds + milliseconds / 1000 };
}

/** True if `value` is a {@link TimeDelta} (an object with a numeric `seconds`). */
export function isTimeDelta(value: unknown): value is TimeDelta {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { seconds?: unknown }).seconds === "number"
  );
}
