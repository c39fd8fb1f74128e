/**
 * blocking_fetch: the blocking `HTTPClient`, line by line from Tornado.
 *
 * ```python
 * http_client = httpclient.HTTPClient()
 * try:
 *     response = http_client.fetch("http://www.google.com/")
 *     print(response.body)
 * except httpclient.HTTPError as e:
 *     print("Error: " + str(e))
 * http_client.close()
 * ```
 *
 * `fetch()` returns the response itself, no `await`: the request runs on a worker thread
 * while this thread sleeps (`Atomics.wait`). That is also why the local server runs on
 * a thread of its own here: a server in this thread could not answer while it sleeps.
 * For the same reason this program needs no `IOLoop`; inside a running loop, prefer
 * `AsyncHTTPClient`. Run it: `npx ts-node examples/blocking_fetch.ts`.
 */
import { HTTPClient, HTTPClientError } from "../src/httpclient";
import { startServerThread } from "./_http_server";

/** The snippet, once per URL: fetch, print the body or the error; then close the client. */
export function fetchBlocking(urls: string[]): void {
  const httpClient = new HTTPClient();
  for (const url of urls) {
    try {
      const response = httpClient.fetch(url);
      console.log(response.body.toString());
    } catch (e) {
      if (!(e instanceof HTTPClientError)) throw e;
      console.log(`Error: ${String(e)}`);
    }
  }
  httpClient.close();
}

/** Starts the server thread, runs the snippet on `/` and on a missing page, stops it. */
export async function main(): Promise<void> {
  const server = await startServerThread();
  try {
    fetchBlocking([`${server.url}/`, `${server.url}/missing`]);
  } finally {
    await server.close();
  }
}

// No IOLoop needed: every call here is synchronous except starting the server thread.
if (require.main === module) void main();
