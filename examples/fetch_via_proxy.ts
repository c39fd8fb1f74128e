/**
 * fetch_via_proxy: `AsyncHTTPClient.fetch` through an HTTP proxy, with `proxyHost`,
 * `proxyPort`, `proxyUsername` and `proxyPassword` (Tornado's curl-client options; its
 * simple client has no proxy support, ours does).
 *
 * The program starts, on 127.0.0.1, an http and an https server (the test certificates of
 * test/fixtures/tls) and a small forward proxy that wants Basic credentials. Then:
 * - an `http` URL goes to the proxy in absolute form (`GET http://127.0.0.1:port/...`),
 *   and the proxy forwards it;
 * - an `https` URL goes through a CONNECT tunnel: the proxy only pipes bytes, and TLS
 *   (certificate checked against our CA) runs end to end with the server;
 * - the credentials reach the proxy only: neither server sees `Proxy-Authorization`;
 * - without credentials the proxy answers 407, which fetch raises as an `HTTPClientError`;
 * - a `Proxy-Authorization` header set by hand (a token from elsewhere, say) goes with the
 *   CONNECT of an https tunnel, never to the server inside it.
 * Nothing leaves 127.0.0.1.
 *
 * Run it: `npx ts-node examples/fetch_via_proxy.ts`.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { IOLoop } from "../src/ioloop";

const TLS_DIR = path.join(__dirname, "..", "test", "fixtures", "tls");
const CREDENTIALS = `Basic ${Buffer.from("demo:s3cret").toString("base64")}`;
const REFUSE_407 =
  "HTTP/1.1 407 Proxy Authentication Required\r\n" +
  'Proxy-Authenticate: Basic realm="demo"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** A forward proxy in a few lines: CONNECT tunnels and absolute-form forwarding. */
function startProxy(stats: { tunnels: number; forwarded: number }): http.Server {
  const proxy = http.createServer((req, res) => {
    if (req.headers["proxy-authorization"] !== CREDENTIALS) {
      res.writeHead(407, { "Proxy-Authenticate": 'Basic realm="demo"', "Content-Length": 0 });
      res.end();
      return;
    }
    stats.forwarded++;
    const target = new URL(req.url ?? "");
    // Hop-by-hop fields, the proxy's credentials among them, stay here (RFC 9110 §7.6.1).
    const headers = { ...req.headers };
    for (const name of ["proxy-authorization", "proxy-connection", "connection", "keep-alive"]) {
      delete headers[name];
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket) => {
    client.on("error", () => client.destroy());
    if (req.headers["proxy-authorization"] !== CREDENTIALS) {
      client.end(REFUSE_407);
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host, () => {
      stats.tunnels++;
      client.write("HTTP/1.1 200 Connection established\r\n\r\n");
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
    client.on("close", () => upstream.destroy());
  });
  return proxy;
}

/** Both servers answer with what they saw: method, target, and any Proxy-Authorization. */
function describeRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  const leaked = req.headers["proxy-authorization"] === undefined ? "none" : "LEAKED";
  res.end(`${req.method} ${req.url} (Proxy-Authorization: ${leaked})`);
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Fetches through the proxy four ways; returns what it printed. */
export async function main(): Promise<string[]> {
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    console.log(line);
  };
  const stats = { tunnels: 0, forwarded: 0 };
  const plain = http.createServer(describeRequest);
  const secure = https.createServer(
    {
      cert: fs.readFileSync(path.join(TLS_DIR, "server.pem")),
      key: fs.readFileSync(path.join(TLS_DIR, "server.key")),
    },
    describeRequest,
  );
  const proxy = startProxy(stats);
  const client = new AsyncHTTPClient({ forceInstance: true });
  try {
    const plainPort = await listen(plain);
    const securePort = await listen(secure);
    const proxyPort = await listen(proxy);
    const viaProxy = {
      proxyHost: "127.0.0.1",
      proxyPort,
      proxyUsername: "demo",
      proxyPassword: "s3cret",
      caCerts: path.join(TLS_DIR, "ca.pem"),
    };

    const first = await client.fetch(`http://127.0.0.1:${plainPort}/hello`, viaProxy);
    say(`http:  ${first.code} server saw ${first.body.toString()}`);
    const second = await client.fetch(`https://127.0.0.1:${securePort}/secret`, viaProxy);
    say(`https: ${second.code} server saw ${second.body.toString()}`);
    say(`proxy: ${stats.forwarded} request forwarded, ${stats.tunnels} tunnel opened`);

    try {
      await client.fetch(`https://127.0.0.1:${securePort}/secret`, {
        ...viaProxy,
        proxyUsername: undefined,
      });
    } catch (error) {
      if (!(error instanceof HTTPClientError)) throw error;
      say(`no credentials: ${error.name} ${error.code}`);
    }

    // A client of its own, so that a new tunnel (and so a CONNECT) is needed.
    const byHand = new AsyncHTTPClient({ forceInstance: true });
    try {
      const third = await byHand.fetch(`https://127.0.0.1:${securePort}/by-hand`, {
        proxyHost: "127.0.0.1",
        proxyPort,
        headers: { "Proxy-Authorization": CREDENTIALS },
        caCerts: viaProxy.caCerts,
      });
      say(`header set by hand: ${third.code} server saw ${third.body.toString()}`);
    } finally {
      byHand.close();
    }
    say(`proxy: ${stats.tunnels} tunnels opened in all`);
  } finally {
    client.close();
    for (const server of [plain, secure, proxy]) {
      server.closeAllConnections?.();
      server.close();
    }
  }
  return out;
}

if (require.main === module) IOLoop.current().runSync(main);
