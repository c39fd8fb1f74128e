/**
 * The client side of the HTTP client suites: the servers of a test ({@link ServerSet}),
 * and {@link useClientEnv}, which runs a test body on a fresh IOLoop with the test
 * application started, a client made for it, and every client closed when the body ends
 * (so that a test leaves neither timers nor callbacks on its loop).
 *
 * Over HTTPS the clients trust the test CA (`defaults.caCerts`), so certificates are
 * really verified (Tornado's AsyncHTTPSTestCase turns verification off instead).
 */
import { expect } from "chai";
import * as net from "node:net";
import {
  AsyncHTTPClient,
  type AsyncHTTPClientOptions,
  type FetchOptions,
  type HTTPRequest,
  type HTTPResponse,
} from "../../src/httpclient";
import type { IOLoop } from "../../src/ioloop";
import { genTest, setupAsyncTest } from "../../src/testing";
import {
  startApp,
  startRawServer,
  type Protocol,
  type RawScript,
  type RawServer,
  type TestApp,
} from "./http_apps";
import { nextTurn } from "./loop";
import { loadTestCerts } from "./tls";
import { perTest } from "./per_test";

/** A port on 127.0.0.1 where nothing listens (connecting is refused). */
export async function refusingPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when this machine can listen on ::1 (some containers have no IPv6 loopback). */
export function canListenOnIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

/** The servers of one test; {@link useServers} closes them after it. */
export class ServerSet {
  private readonly _closers: (() => Promise<void>)[] = [];

  /** Starts a test application (see {@link startApp}). */
  async app(protocol: Protocol = "http", host = "127.0.0.1"): Promise<TestApp> {
    const app = await startApp(protocol, host);
    this._closers.push(() => app.close());
    return app;
  }

  /** Starts a raw server (see {@link startRawServer}). */
  async raw(script: RawScript): Promise<RawServer> {
    const server = await startRawServer(script);
    this._closers.push(() => server.close());
    return server;
  }

  /** Closes every server started through this set. */
  async closeAll(): Promise<void> {
    const closers = this._closers.splice(0);
    await Promise.all(closers.map((close) => close()));
  }
}

/** A {@link ServerSet} per test of the enclosing describe, closed after each test. */
export function useServers(): { readonly current: ServerSet } {
  return perTest("ServerSet", () => new ServerSet());
}

/**
 * Everything an error says: its name, message, `code` (Node's `ECONNREFUSED`...) and
 * those of its causes, joined, for assertions that the reason reached the caller.
 */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(
        `${current.name}: ${current.message}${code !== undefined ? ` [${String(code)}]` : ""}`,
      );
      current =
        (current as { cause?: unknown }).cause ?? (current as { realError?: unknown }).realError;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(" <- ");
}

/** What a test body of {@link useClientEnv} is given. */
export interface ClientEnv {
  readonly protocol: Protocol;
  readonly loop: IOLoop;
  /** The test application (started before the body runs). */
  readonly app: TestApp;
  readonly servers: ServerSet;
  /** The test's client, made by the suite's factory. */
  readonly client: AsyncHTTPClient;
  /** `app.url(path)`. */
  url(path: string): string;
  /**
   * Tornado's `AsyncHTTPTestCase.fetch`: a path is made absolute on the app, and
   * `raiseError` defaults to false (an HTTP status error comes back as a response; any
   * other failure still rejects).
   */
  fetch(pathOrUrl: string | HTTPRequest, options?: FetchOptions): Promise<HTTPResponse>;
  /** Client options with the protocol's TLS defaults merged under `options.defaults`. */
  options<O extends AsyncHTTPClientOptions>(options?: O): O;
  /** Remembers a client so that it is closed when the body ends; returns it. */
  track<C extends AsyncHTTPClient>(client: C): C;
}

/** Makes a test's client from options that already hold the protocol's defaults. */
export type ClientFactory = (options: AsyncHTTPClientOptions) => AsyncHTTPClient;

/** Options of a single test of {@link useClientEnv}. */
export interface EnvTestOptions {
  /** genTest's time limit in seconds (default 5). */
  timeout?: number;
}

/** The defaults an HTTPS client needs to trust the test server. */
export function tlsDefaults(protocol: Protocol): Record<string, unknown> {
  return protocol === "https" ? { caCerts: loadTestCerts().ca } : {};
}

/**
 * Registers a fresh IOLoop and a {@link ServerSet} per test, and returns `test(body)`, to
 * give `it`: it starts the application (over `protocol`), makes the client with
 * `factory`, runs `body`, then closes every tracked client and lets the loop turn so
 * that what closing scheduled has run before genTest checks the loop is clean.
 */
export function useClientEnv(
  protocol: Protocol,
  factory: ClientFactory,
): {
  test(
    body: (env: ClientEnv) => Promise<void>,
    options?: EnvTestOptions,
  ): (this: unknown) => Promise<void>;
} {
  const ctx = setupAsyncTest();
  const servers = useServers();
  const mergeOptions = <O extends AsyncHTTPClientOptions>(options?: O): O => {
    const given = (options ?? {}) as O;
    return {
      ...given,
      defaults: { ...tlsDefaults(protocol), ...(given.defaults ?? {}) },
    } as O;
  };
  return {
    test(body, options = {}) {
      return genTest({ timeout: options.timeout ?? 5 }, async () => {
        const clients: AsyncHTTPClient[] = [];
        const track = <C extends AsyncHTTPClient>(client: C): C => {
          clients.push(client);
          return client;
        };
        const app = await servers.current.app(protocol);
        const client = track(factory(mergeOptions()));
        const env: ClientEnv = {
          protocol,
          loop: ctx.ioLoop,
          app,
          servers: servers.current,
          client,
          url: (path) => app.url(path),
          fetch(pathOrUrl, fetchOptions = {}) {
            const target =
              typeof pathOrUrl === "string" && pathOrUrl.startsWith("/")
                ? app.url(pathOrUrl)
                : pathOrUrl;
            return Promise.resolve(client.fetch(target, { raiseError: false, ...fetchOptions }));
          },
          options: mergeOptions,
          track,
        };
        try {
          await body(env);
        } finally {
          for (const c of clients) c.close();
          for (let i = 0; i < 3; i++) await nextTurn(ctx.ioLoop);
        }
      });
    },
  };
}

/** The error `fn` throws or its result rejects with; fails the test if neither happens. */
export async function failure(fn: () => PromiseLike<unknown> | unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error;
  }
  throw new Error("expected an error, got a result");
}
