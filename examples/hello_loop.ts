/**
 * hello_loop: the order in which an IOLoop runs things.
 *
 * Callbacks run FIFO on the next turn, timeouts in deadline order, Future done-callbacks
 * on the turn after the future is settled, and `await` resumes on the microtask queue.
 * Run it: `npx ts-node examples/hello_loop.ts`.
 */
import { Future } from "../src/concurrent";
import { IOLoop } from "../src/ioloop";

/** Prints the order of events and returns it. */
export async function main(): Promise<string[]> {
  const loop = IOLoop.current();
  const events: string[] = [];
  const say = (what: string): void => {
    events.push(what);
    console.log(`${loop.time().toFixed(3).padStart(10)}  ${what}`);
  };

  loop.callLater(0.02, say, "timeout after 20 ms");
  loop.callLater(0.01, say, "timeout after 10 ms");
  loop.addCallback(say, "callback 1");
  loop.addCallback(say, "callback 2");

  const future = new Future<string>();
  future.addDoneCallback((f) => say(`done-callback sees ${f.result()}`));
  loop.callLater(0.015, () => future.setResult("the answer"));
  say(`awaited ${await future}`);

  await new Promise<void>((resolve) => loop.callLater(0.01, resolve));
  say("main returns");
  return events;
}

if (require.main === module) IOLoop.current().runSync(main);
