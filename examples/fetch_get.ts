/**
 * fetch_get: the first snippet of Tornado's HTTP client documentation, line by line.
 *
 * ```python
 * async def f():
 *     http_client = AsyncHTTPClient()
 *     try:
 *         response = await http_client.fetch("http://www.google.com/")
 *     except Exception as e:
 *         print("Error: %s" % e)
 *     else:
 *         print(response.body)
 * ```
 *
 * The URL is a server this program starts on 127.0.0.1 (examples/_http_server.ts), so
 * nothing leaves the machine. Run it: `npx ts-node examples/fetch_get.ts`.
 */
import { AsyncHTTPClient } from "../src/httpclient";
import { IOLoop } from "../src/ioloop";
import { startServer } from "./_http_server";

/** The snippet: fetch `url` with the loop's shared client and print the body. */
export async function f(url: string): Promise<void> {
  const httpClient = new AsyncHTTPClient();
  try {
    const response = await httpClient.fetch(url);
    console.log(response.body.toString());
  } catch (e) {
    console.log(`Error: ${String(e)}`);
  }
}

/** Starts the local server, runs the snippet against it, stops the server. */
export async function main(): Promise<void> {
  const server = await startServer();
  try {
    await f(`${server.url}/`);
  } finally {
    await server.close();
  }
}

if (require.main === module) IOLoop.current().runSync(main);
