/**
 * coroutine_styles: one task written twice, as a Tornado 4 generator coroutine and as an
 * `async` function, to show that a port can keep either style and that the two mix.
 *
 * The task: look up three "users" in parallel, give up on any lookup slower than 50 ms,
 * and count the failures, with a lookup for "mallory" that fails. Each lookup is a short
 * loop sleep standing in for I/O. Both versions print the same summary.
 *
 * Run it: `npx ts-node examples/coroutine_styles.ts`.
 */
import { Future } from "../src/concurrent";
import { coroutine, multi, sleep, withTimeout } from "../src/gen";
import { IOLoop } from "../src/ioloop";
import { TimeoutError } from "../src/util";

const DELAYS: Record<string, number> = { alice: 0.01, bob: 0.02, mallory: 0.005, zed: 0.2 };

/** A pretend lookup: a Future, as Tornado 4 code would have returned. */
function lookup(name: string): Future<string> {
  const result = new Future<string>();
  sleep(DELAYS[name] ?? 0).then(() => {
    if (name === "mallory") result.setException(new Error(`no such user: ${name}`));
    else result.setResult(name.toUpperCase());
  });
  return result;
}

/** Tornado 4 style: a generator; `yield` waits, `yield [...]` waits for all. */
const lookupAllGenerator = coroutine(function* (names: string[]) {
  let failures = 0;
  // One guarded lookup per name, all started before any is waited for.
  const guarded = names.map((name) =>
    coroutine(function* () {
      try {
        return (yield withTimeout({ seconds: 0.05 }, lookup(name))) as string;
      } catch (error) {
        failures++;
        return error instanceof TimeoutError ? `${name}: timed out` : `${name}: failed`;
      }
    })(),
  );
  const found = (yield guarded) as string[];
  return { found, failures };
});

/** The same with async/await: `await multi([...])` is `yield [...]`. */
async function lookupAllAsync(names: string[]): Promise<{ found: string[]; failures: number }> {
  let failures = 0;
  const guarded = names.map(async (name) => {
    try {
      return await withTimeout({ seconds: 0.05 }, lookup(name));
    } catch (error) {
      failures++;
      return error instanceof TimeoutError ? `${name}: timed out` : `${name}: failed`;
    }
  });
  const found = await multi(guarded);
  return { found, failures };
}

/** Runs both versions and prints their results, which must agree. */
export async function main(): Promise<{ generator: string; async: string }> {
  const names = ["alice", "bob", "mallory", "zed"];
  const fromGenerator = await lookupAllGenerator(names);
  const fromAsync = await lookupAllAsync(names);
  const generator = JSON.stringify(fromGenerator);
  const asyncText = JSON.stringify(fromAsync);
  console.log(`generator coroutine: ${generator}`);
  console.log(`async function:      ${asyncText}`);
  console.log(generator === asyncText ? "same result" : "DIFFERENT results");
  // The slow lookup was abandoned, not cancelled (withTimeout leaves it running): let it
  // finish so the loop ends clean.
  await sleep(0.2);
  return { generator, async: asyncText };
}

if (require.main === module) IOLoop.current().runSync(main);
