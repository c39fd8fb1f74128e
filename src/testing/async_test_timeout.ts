/**
 * The default time limit of asynchronous tests (mirrors
 * `tornado.testing.get_async_test_timeout`).
 */

/** Tornado's default: five seconds. */
const DEFAULT_ASYNC_TEST_TIMEOUT = 5;

/**
 * The timeout, in relative seconds, that `genTest` uses when none is given: the
 * `ASYNC_TEST_TIMEOUT` environment variable when set, else 5. Read on every call, so a
 * test may change the variable for the tests it runs.
 *
 * An empty value counts as unset. Tornado would fail on it with `ValueError`; here a
 * blank variable is treated as the shell idiom for "not set".
 *
 * @throws `RangeError` when the variable holds anything but a positive number of seconds.
 * @example
 * // ASYNC_TEST_TIMEOUT=30 npm test   (slow CI machine)
 * getAsyncTestTimeout(); // 30
 */
export function getAsyncTestTimeout(): number {
  const raw = process.env.ASYNC_TEST_TIMEOUT;
  if (raw === undefined || raw.trim() === "") return DEFAULT_ASYNC_TEST_TIMEOUT;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(
      `Cannot read ASYNC_TEST_TIMEOUT: expected a positive number of seconds, ` +
        `received ${JSON.stringify(raw)}`,
    );
  }
  return seconds;
}
