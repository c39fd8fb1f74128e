/**
 * fetch_post: a POST built as an `HTTPRequest`, line by line from Tornado.
 *
 * ```python
 * request = HTTPRequest(url=url, method="POST", body=urlencode({"name": "tornado", "lang": "ts"}))
 * response = await http_client.fetch(request)
 * print(response.body)
 * ```
 *
 * Python's keyword arguments become one options object: `new HTTPRequest({ url, method,
 * body })`. A POST body without a `Content-Type` is sent as
 * `application/x-www-form-urlencoded`, as Tornado does; the local server echoes what it
 * got. Run it: `npx ts-node examples/fetch_post.ts`.
 */
import { AsyncHTTPClient, HTTPRequest } from "../src/httpclient";
import { IOLoop } from "../src/ioloop";
import { startServer } from "./_http_server";

/** The snippet: POST a form to `url` and print the answer. */
export async function post(url: string): Promise<void> {
  const httpClient = new AsyncHTTPClient();
  const request = new HTTPRequest({
    url,
    method: "POST",
    body: new URLSearchParams({ name: "tornado", lang: "ts" }).toString(),
  });
  const response = await httpClient.fetch(request);
  console.log(response.body.toString());
}

/** Starts the local server, posts to it, stops it. */
export async function main(): Promise<void> {
  const server = await startServer();
  try {
    await post(`${server.url}/echo`);
  } finally {
    await server.close();
  }
}

if (require.main === module) IOLoop.current().runSync(main);
