/**
 * producer_consumer: Tornado's web-spider demo, with a `Queue` and a pool of workers.
 *
 * The "web" is a site generated in memory: pages that link to each other, to pages that
 * do not exist (dead links) and to other sites (not followed). Fetching a page takes a few
 * milliseconds of loop time (`sleep`), as a network fetch would. Workers take URLs from
 * the queue, skip the ones already seen, "fetch" the page and put its links back in the
 * queue; `await q.join()` returns once every URL put has been handled.
 *
 * Run it: `npx ts-node examples/producer_consumer.ts`.
 */
import { sleep } from "../src/gen";
import { IOLoop } from "../src/ioloop";
import { Queue } from "../src/queues";

const BASE_URL = "https://site.test/";
/** Where the crawl starts. */
export const ROOT_URL = `${BASE_URL}page/0`;
const PAGES = 60;
const CONCURRENCY = 5;

/** Each page's URL and the links on it; a URL not in the map does not exist (a 404). */
export type Site = ReadonlyMap<string, readonly string[]>;

/** Builds the same site every run: `pages` pages with 1 to 4 links each. */
export function buildSite(pages = PAGES): Site {
  let seed = 42;
  const random = (): number => {
    // A tiny LCG: the site must be the same on every run.
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const site = new Map<string, string[]>();
  for (let page = 0; page < pages; page++) {
    const links: string[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      const roll = random();
      if (roll < 0.1) links.push(`https://elsewhere.test/${page}`);
      else if (roll < 0.18) links.push(`${BASE_URL}missing/${page}-${i}`);
      else links.push(`${BASE_URL}page/${Math.floor(random() * pages)}`);
    }
    site.set(`${BASE_URL}page/${page}`, links);
  }
  return site;
}

/** "Fetches" `url` from `site` after a short delay; throws for a page that does not exist. */
async function getLinksFromUrl(site: Site, url: string): Promise<readonly string[]> {
  await sleep(0.002 + (url.length % 7) * 0.001);
  const links = site.get(url);
  if (links === undefined) throw new Error(`HTTP 404: Not Found`);
  return links;
}

/** What a crawl found. */
export interface CrawlSummary {
  fetched: number;
  dead: number;
  maxConcurrent: number;
}

/** Crawls `site` from its root with `concurrency` workers and prints a summary. */
export async function main(
  site: Site = buildSite(),
  concurrency = CONCURRENCY,
): Promise<CrawlSummary> {
  const q = new Queue<string | null>();
  const start = IOLoop.current().time();
  const fetching = new Set<string>();
  const fetched = new Set<string>();
  const dead = new Set<string>();
  let active = 0;
  let maxConcurrent = 0;

  async function fetchUrl(url: string): Promise<void> {
    if (fetching.has(url)) return;
    fetching.add(url);
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    try {
      const links = await getLinksFromUrl(site, url);
      fetched.add(url);
      for (const link of links) {
        if (link.startsWith(BASE_URL)) await q.put(link);
      }
    } finally {
      active--;
    }
  }

  async function worker(): Promise<void> {
    for await (const url of q) {
      if (url === null) return;
      try {
        await fetchUrl(url);
      } catch (error) {
        console.log(`Exception: ${(error as Error).message} ${url}`);
        dead.add(url);
      } finally {
        q.taskDone();
      }
    }
  }

  await q.put(ROOT_URL);
  const workers = Array.from({ length: concurrency }, () => worker());
  await q.join({ seconds: 300 });
  const consistent = fetching.size === fetched.size + dead.size;
  const seconds = IOLoop.current().time() - start;
  console.log(`Done in ${seconds.toFixed(3)} seconds, fetched ${fetched.size} URLs.`);
  console.log(`Unable to fetch ${dead.size} URLs.`);
  console.log(`At most ${maxConcurrent} fetches ran at once (${concurrency} workers).`);
  console.log(`Every URL fetched or dead: ${consistent ? "yes" : "no"}`);
  // Tell the workers to stop, one sentinel each, and wait for them.
  for (let i = 0; i < concurrency; i++) await q.put(null);
  await Promise.all(workers);
  return { fetched: fetched.size, dead: dead.size, maxConcurrent };
}

if (require.main === module) IOLoop.current().runSync(main);
