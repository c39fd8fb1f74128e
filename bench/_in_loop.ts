/**
 * Timing code that must run on an IOLoop: a fresh loop per round, inside `runSync`,
 * timing only the body (not the loop's start and stop). Shared by the suites.
 */
import { IOLoop } from "../src/ioloop";
import { stopwatch } from "./_harness";

/** A round that takes longer than this is a hang (a lost callback), not a slow run. */
const ROUND_TIMEOUT_SECONDS = 60;

/**
 * Runs `body` on a fresh IOLoop inside `runSync` and resolves with the nanoseconds from
 * the start of `body` until the promise it returns settles.
 */
export async function inLoop(body: (loop: IOLoop) => Promise<void>): Promise<number> {
  const loop = new IOLoop({ makeCurrent: false });
  const sw = stopwatch();
  try {
    await loop.runSync(
      async () => {
        sw.start();
        await body(loop);
        sw.stop();
      },
      { timeout: ROUND_TIMEOUT_SECONDS },
    );
  } finally {
    loop.close();
  }
  return sw.elapsed();
}
