/**
 * A local HTTP(S) server for every test of a mocha `describe` (mirrors
 * `tornado.testing.AsyncHTTPTestCase` and `AsyncHTTPSTestCase`).
 *
 * Tornado's test case starts an `HTTPServer` for the application of `get_app()` on an
 * unused port of 127.0.0.1 and gives `get_url(path)`. tornado-ts has no server side, so
 * the application is a `node:http` request listener; each test gets a new server,
 * closed (open connections included) after the test, and, as in Tornado, a fresh
 * `IOLoop` too: these helpers include `setupAsyncTest`.
 *
 * Tornado's `fetch(path)` comes with the HTTP client module; until then, requests go
 * through `node:http`/`node:https` with `ctx.getUrl(path)`.
 */
import * as http from "node:http";
import * as https from "node:https";
import { RuntimeError } from "../util";
import { registerHooks, type MochaContext } from "./_mocha";
import { TEST_CERT, TEST_KEY } from "./_test_cert";
import {
  AsyncTestLifecycle,
  type AsyncTestContext,
  type AsyncTestOptions,
} from "./async_test_case";
import { bindUnusedPort, type BoundPort } from "./ports";

/** Options of {@link setupAsyncHTTPTest}. */
export interface AsyncHTTPTestOptions extends AsyncTestOptions {
  /** Passed to `http.createServer` (e.g. `keepAliveTimeout`, `maxHeaderSize`). */
  serverOptions?: http.ServerOptions;
}

/** Options of {@link setupAsyncHTTPSTest}. */
export interface AsyncHTTPSTestOptions extends AsyncTestOptions {
  /**
   * Passed to `https.createServer`; `key` and `cert` default to the bundled test
   * certificate (see `getSslOptions()`).
   */
  serverOptions?: https.ServerOptions;
}

/** The key and certificate an HTTPS test server uses (PEM strings or Buffers). */
export interface TestServerTLSOptions {
  readonly key: NonNullable<https.ServerOptions["key"]>;
  readonly cert: NonNullable<https.ServerOptions["cert"]>;
}

/** What {@link setupAsyncHTTPTest} gives the tests of its describe. */
export interface AsyncHTTPTestContext extends AsyncTestContext {
  /** The running test's server; add `upgrade` or `connection` listeners here. */
  readonly httpServer: http.Server;
  /** The port the running test's server listens on. */
  getHttpPort(): number;
  /** `"http"`, or `"https"` for {@link setupAsyncHTTPSTest}. */
  getProtocol(): "http" | "https";
  /**
   * The absolute URL of `path` on the running test's server:
   * `http://127.0.0.1:<port><path>`.
   *
   * @throws `TypeError` when `path` is neither empty nor starts with "/".
   */
  getUrl(path: string): string;
}

/** What {@link setupAsyncHTTPSTest} gives: the above, plus the server's TLS material. */
export interface AsyncHTTPSTestContext extends AsyncHTTPTestContext {
  /**
   * The server's key and certificate (PEM). The certificate is self-signed for
   * 127.0.0.1, ::1 and localhost: trust it with `{ ca: ctx.getSslOptions().cert }`, or
   * skip verification with `rejectUnauthorized: false` as Tornado's `validate_cert=False`.
   */
  getSslOptions(): TestServerTLSOptions;
}

/**
 * Gives every test of the enclosing `describe` a fresh `IOLoop` (as `setupAsyncTest`)
 * and a `node:http` server on 127.0.0.1 with a port of its own, serving `handler`. The
 * server is closed after the test, its open connections destroyed.
 *
 * @throws `RuntimeError` when not run under mocha.
 * @example
 * describe("Client", () => {
 *   const ctx = setupAsyncHTTPTest((req, res) => res.end(`you asked for ${req.url}`));
 *   it("gets a page", genTest(async () => {
 *     const body = await getText(ctx.getUrl("/hello")); // any HTTP client
 *     expect(body).to.equal("you asked for /hello");
 *   }));
 * });
 */
export function setupAsyncHTTPTest(
  handler: http.RequestListener,
  options: AsyncHTTPTestOptions = {},
): AsyncHTTPTestContext {
  return setupServer("setupAsyncHTTPTest", "http", options, () =>
    http.createServer(options.serverOptions ?? {}, handler),
  );
}

/**
 * The HTTPS form of {@link setupAsyncHTTPTest}, serving with the bundled self-signed test
 * certificate unless `serverOptions` gives another.
 *
 * @example
 * const ctx = setupAsyncHTTPSTest((req, res) => res.end("secret"));
 * // https.get(ctx.getUrl("/"), { ca: ctx.getSslOptions().cert }, ...)
 */
export function setupAsyncHTTPSTest(
  handler: http.RequestListener,
  options: AsyncHTTPSTestOptions = {},
): AsyncHTTPSTestContext {
  const sslOptions: TestServerTLSOptions = {
    key: options.serverOptions?.key ?? TEST_KEY,
    cert: options.serverOptions?.cert ?? TEST_CERT,
  };
  const ctx = setupServer("setupAsyncHTTPSTest", "https", options, () =>
    https.createServer({ ...options.serverOptions, ...sslOptions }, handler),
  );
  // Object.assign copies the plain source; the getters of ctx stay getters.
  return Object.assign(ctx, { getSslOptions: () => ({ ...sslOptions }) });
}

function setupServer(
  caller: string,
  protocol: "http" | "https",
  options: AsyncTestOptions,
  createServer: () => http.Server,
): AsyncHTTPTestContext {
  const lifecycle = new AsyncTestLifecycle(options);
  let bound: BoundPort<http.Server> | null = null;
  const running = (): BoundPort<http.Server> => {
    if (bound === null) {
      throw new RuntimeError(
        `The test server is only available inside a test or hook of the describe that ` +
          `called ${caller}`,
      );
    }
    return bound;
  };
  registerHooks(
    caller,
    async function setUpHTTPTest(this: MochaContext) {
      lifecycle.setUp(this);
      bound = await bindUnusedPort({ server: createServer() });
    },
    async function tearDownHTTPTest(this: MochaContext) {
      const server = bound;
      bound = null;
      try {
        if (server !== null) {
          server.server.closeAllConnections();
          await server.close();
        }
      } finally {
        await lifecycle.tearDown(this);
      }
    },
  );
  return {
    get ioLoop() {
      return lifecycle.ioLoop;
    },
    get httpServer() {
      return running().server;
    },
    getHttpPort: () => running().port,
    getProtocol: () => protocol,
    getUrl(path: string): string {
      if (typeof path !== "string" || (path !== "" && !path.startsWith("/"))) {
        throw new TypeError(`getUrl needs a path that starts with "/"; got ${String(path)}`);
      }
      return `${protocol}://127.0.0.1:${running().port}${path}`;
    },
  };
}
