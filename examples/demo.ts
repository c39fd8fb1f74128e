/**
 * demo: what `npm run demo` runs. It walks through the examples one after another, each
 * on the same IOLoop, against servers it starts itself (the HTTP client examples last).
 */
import { IOLoop } from "../src/ioloop";
import { main as blockingFetch } from "./blocking_fetch";
import { main as coroutineStyles } from "./coroutine_styles";
import { main as executorOffload } from "./executor_offload";
import { main as fetchErrors } from "./fetch_errors";
import { main as fetchGet } from "./fetch_get";
import { main as fetchPost } from "./fetch_post";
import { main as fetchStreaming } from "./fetch_streaming";
import { main as fetchViaProxy } from "./fetch_via_proxy";
import { main as helloLoop } from "./hello_loop";
import { main as http1Server } from "./http1_server";
import { main as periodicTicker } from "./periodic_ticker";
import { main as producerConsumer } from "./producer_consumer";
import { main as rateLimiter } from "./rate_limiter";
import { main as tcpLineClient } from "./tcp_line_client";

/** Runs every example in turn. */
export async function main(): Promise<void> {
  const examples: [string, () => Promise<unknown>][] = [
    ["hello_loop: who runs when", helloLoop],
    ["periodic_ticker: a fixed schedule that skips missed runs", periodicTicker],
    ["executor_offload: CPU-bound work on worker threads", executorOffload],
    ["producer_consumer: a Queue feeding a pool of workers", producerConsumer],
    ["rate_limiter: a Semaphore bounding concurrency", rateLimiter],
    ["coroutine_styles: a Tornado 4 generator coroutine next to async/await", coroutineStyles],
    ["tcp_line_client: TCPClient and IOStream over TCP and TLS", tcpLineClient],
    ["fetch_get: await client.fetch(url)", fetchGet],
    ["fetch_errors: HTTPClientError versus every other failure", fetchErrors],
    ["fetch_post: a POST built as an HTTPRequest", fetchPost],
    ["fetch_streaming: a 32 MiB body hashed and saved as it arrives", fetchStreaming],
    ["blocking_fetch: the blocking HTTPClient", blockingFetch],
    [
      "fetch_via_proxy: AsyncHTTPClient through an HTTP proxy (absolute form, CONNECT, 407)",
      fetchViaProxy,
    ],
    ["http1_server: HTTP1ServerConnection answering our own AsyncHTTPClient", http1Server],
  ];
  for (const [title, run] of examples) {
    console.log(`\n### ${title}`);
    await run();
  }
}

if (require.main === module) IOLoop.current().runSync(main);
