/**
 * The locks and queues examples run as scripts (`require.main === module`), print what
 * they promise and exit 0 by themselves.
 */
import { expect } from "chai";
import { runExample } from "./helpers/examples";
import { ROOT_URL, buildSite } from "../examples/producer_consumer";

/** The pages a crawl from the root must fetch, and the dead links it must meet. */
function expectedCrawl(): { fetched: number; dead: number } {
  const site = buildSite();
  const seen = new Set<string>([ROOT_URL]);
  const pending = [ROOT_URL];
  let fetched = 0;
  let dead = 0;
  while (pending.length > 0) {
    const links = site.get(pending.pop() as string);
    if (links === undefined) {
      dead++;
      continue;
    }
    fetched++;
    for (const link of links) {
      if (link.startsWith("https://site.test/") && !seen.has(link)) {
        seen.add(link);
        pending.push(link);
      }
    }
  }
  return { fetched, dead };
}

describe("ExamplesToolkit", function () {
  this.timeout(40000);

  it("producer_consumer crawls every reachable page once with a pool of workers", () => {
    const out = runExample("producer_consumer");
    expect(out.status, out.stderr).to.equal(0);
    const expected = expectedCrawl();
    expect(expected.fetched).to.be.above(10); // The generated site is not trivial.
    expect(expected.dead).to.be.above(0);
    expect(out.stdout).to.match(new RegExp(`fetched ${expected.fetched} URLs\\.`));
    expect(out.stdout).to.contain(`Unable to fetch ${expected.dead} URLs.`);
    expect(out.stdout.match(/^Exception: HTTP 404/gm)?.length).to.equal(expected.dead);
    expect(out.stdout).to.contain("At most 5 fetches ran at once (5 workers).");
    expect(out.stdout).to.contain("Every URL fetched or dead: yes");
  });

  it("rate_limiter never runs more jobs at once than the semaphore allows", () => {
    const out = runExample("rate_limiter");
    expect(out.status, out.stderr).to.equal(0);
    const starts = [...out.stdout.matchAll(/job +(\d+) starts \((\d+) running\)/g)];
    expect(starts.map((m) => Number(m[1]))).to.deep.equal([...Array(12).keys()]);
    expect(Math.max(...starts.map((m) => Number(m[2])))).to.equal(3);
    expect(out.stdout).to.contain(
      "the impatient job gave up waiting: Timeout in Semaphore.acquire",
    );
    expect(out.stdout).not.to.contain("the impatient job ran");
    expect(out.stdout).to.match(/12 jobs done in \d+ ms; max concurrency observed: 3 \(limit 3\)/);
  });
});
