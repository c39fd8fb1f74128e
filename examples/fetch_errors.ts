/**
 * fetch_errors: telling an HTTP error from every other failure, as Tornado's documentation
 * does.
 *
 * ```python
 * try:
 *     response = await http_client.fetch(url)
 *     print(response.body)
 * except httpclient.HTTPError as e:
 *     # HTTPError is raised for non-200 responses; the response
 *     # can be found in e.response.
 *     print("Error: " + str(e))
 * except Exception as e:
 *     # Other errors are possible, such as IOError.
 *     print("Error: " + str(e))
 * ```
 *
 * Two fetches go through that handler: a path the local server does not have (an
 * `HTTPClientError` with `code` 404 and the server's answer in `e.response`), then a port
 * where nothing listens (the connection is refused: no HTTP response at all). Run it:
 * `npx ts-node examples/fetch_errors.ts`.
 */
import * as net from "node:net";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { IOLoop } from "../src/ioloop";
import { startServer } from "./_http_server";

/** The snippet: fetch `url` and say what went wrong, if anything. */
export async function fetchAndReport(url: string): Promise<void> {
  const httpClient = new AsyncHTTPClient();
  try {
    const response = await httpClient.fetch(url);
    console.log(response.body.toString());
  } catch (e) {
    if (e instanceof HTTPClientError) {
      // HTTPClientError is raised for non-2xx responses; the response is in e.response.
      console.log(`Error: ${String(e)}`);
      console.log(`  code: ${e.code}`);
      console.log(`  body: ${e.response?.body.toString() ?? "(no response)"}`);
    } else {
      // Other errors are possible, such as a refused connection.
      const code = (e as NodeJS.ErrnoException).code;
      console.log(`Error: ${String(e)}`);
      console.log(`  not an HTTP error: ${(e as Error).name}, code ${String(code)}`);
    }
  }
}

/** A port of 127.0.0.1 where nothing listens (bound, then closed). */
function closedPort(): Promise<number> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs the handler on a 404 and on a refused connection. */
export async function main(): Promise<void> {
  const server = await startServer();
  try {
    await fetchAndReport(`${server.url}/missing`);
    await fetchAndReport(`http://127.0.0.1:${await closedPort()}/`);
  } finally {
    await server.close();
  }
}

if (require.main === module) IOLoop.current().runSync(main);
