/**
 * Tests of the httpclient base (`httpclient/{errors,request,response,base}.ts`), named
 * after Tornado's httpclient_test.py: RequestProxyTest, HTTPRequestTestCase,
 * HTTPResponseTestCase, HTTPErrorTestCase, and the client-independent parts of the
 * AsyncHTTPClient behaviour (singleton per loop, configure, fetch's error handling).
 *
 * The base has no transport, so `AsyncHTTPClient` is driven by `FakeClient`, whose
 * `fetchImpl` builds `HTTPResponse` objects itself; the simple client's suite covers the
 * network.
 */
import { expect } from "chai";
import { HTTPHeaders, formatTimestamp } from "../src/httputil";
import { IOLoop } from "../src/ioloop";
import { appLog } from "../src/log";
import { ExpectLog } from "../src/testing";
import { RuntimeError } from "../src/util";
import {
  AsyncHTTPClient,
  type AsyncHTTPClientClass,
  type AsyncHTTPClientOptions,
} from "../src/httpclient/base";
import { HTTPClientError, HTTPError } from "../src/httpclient/errors";
import { HTTPRequest, HTTP_REQUEST_DEFAULTS, RequestProxy } from "../src/httpclient/request";
import { HTTPResponse } from "../src/httpclient/response";
import { captureLogs, nextTurn, useFreshLoop } from "./helpers/loop";
import { rejection, thrown } from "./helpers/assertions";

/**
 * An AsyncHTTPClient without a network: `respond` makes each response, delivered on a
 * later loop turn as a real client would.
 */
class FakeClient extends AsyncHTTPClient {
  readonly options: AsyncHTTPClientOptions;
  readonly maxClients: number;
  readonly seen: RequestProxy[] = [];
  respond: (request: RequestProxy) => HTTPResponse = (request) =>
    new HTTPResponse(request, 200, { buffer: Buffer.from(request.userAgent ?? "") });

  constructor(options: AsyncHTTPClientOptions = {}) {
    super(options);
    this.options = options;
    this.maxClients = typeof options.maxClients === "number" ? options.maxClients : 10;
  }

  protected override fetchImpl(
    request: RequestProxy,
    callback: (response: HTTPResponse) => void,
  ): void {
    this.seen.push(request);
    const response = this.respond(request);
    this.ioLoop.addCallback(() => callback(response));
  }
}

/** Saves `configure()` state before each test and puts it back after. */
function keepConfiguration(): void {
  let saved: ReturnType<typeof AsyncHTTPClient._saveConfiguration>;
  beforeEach(() => {
    saved = AsyncHTTPClient._saveConfiguration();
    AsyncHTTPClient.configure(FakeClient);
  });
  afterEach(() => {
    AsyncHTTPClient._restoreConfiguration(saved);
  });
}

/** The shared client of the current loop, as a FakeClient. */
function sharedClient(options?: AsyncHTTPClientOptions): FakeClient {
  const client = new AsyncHTTPClient(options);
  expect(client).to.be.instanceOf(FakeClient);
  return client as FakeClient;
}

const URL = "http://example.com/";

describe("RequestProxyTest", () => {
  it("uses the request's value (test_request_set)", () => {
    const proxy = new RequestProxy(new HTTPRequest(URL, { userAgent: "foo" }), {});
    expect(proxy.userAgent).to.equal("foo");
  });

  it("falls back to the default (test_default_set)", () => {
    const proxy = new RequestProxy(new HTTPRequest(URL), { networkInterface: "foo" });
    expect(proxy.networkInterface).to.equal("foo");
  });

  it("prefers the request's value to the default (test_both_set)", () => {
    const proxy = new RequestProxy(new HTTPRequest(URL, { proxyHost: "foo" }), {
      proxyHost: "bar",
    });
    expect(proxy.proxyHost).to.equal("foo");
  });

  it("is undefined when neither is set (test_neither_set)", () => {
    const proxy = new RequestProxy(new HTTPRequest(URL), {});
    expect(proxy.authUsername).to.equal(undefined);
  });

  it("is undefined without defaults (test_defaults_none)", () => {
    const proxy = new RequestProxy(new HTTPRequest(URL), null);
    expect(proxy.authUsername).to.equal(undefined);
    expect(proxy.connectTimeout).to.equal(undefined);
  });

  it("reads url, method, headers, body and startTime from the request", () => {
    const request = new HTTPRequest(URL, { method: "PUT", body: "x", headers: { A: "1" } });
    const proxy = new RequestProxy(request, HTTP_REQUEST_DEFAULTS);
    expect(proxy.request).to.equal(request);
    expect(proxy.url).to.equal(URL);
    expect(proxy.method).to.equal("PUT");
    expect(proxy.headers).to.equal(request.headers);
    expect(proxy.body).to.deep.equal(Buffer.from("x"));
    expect(proxy.startTime).to.equal(request.startTime);
    expect(proxy.requestTimeout).to.equal(20);
    expect(proxy.expect100Continue).to.equal(false);
  });

  it("keeps a false request value rather than the default", () => {
    const proxy = new RequestProxy(
      new HTTPRequest(URL, { followRedirects: false, validateCert: false, connectTimeout: 0 }),
      HTTP_REQUEST_DEFAULTS,
    );
    expect(proxy.followRedirects).to.equal(false);
    expect(proxy.validateCert).to.equal(false);
    expect(proxy.connectTimeout).to.equal(0);
  });

  it("falls back from decompressResponse to useGzip, request first", () => {
    const defaults = HTTP_REQUEST_DEFAULTS;
    expect(new RequestProxy(new HTTPRequest(URL), defaults).decompressResponse).to.equal(true);
    const gzipOff = new HTTPRequest(URL, { useGzip: false });
    expect(new RequestProxy(gzipOff, defaults).decompressResponse).to.equal(false);
    const both = new HTTPRequest(URL, { useGzip: false, decompressResponse: true });
    expect(new RequestProxy(both, defaults).decompressResponse).to.equal(true);
    const viaDefaults = new RequestProxy(new HTTPRequest(URL), { useGzip: false });
    expect(viaDefaults.decompressResponse).to.equal(false);
  });
});

describe("HTTPRequestTestCase", () => {
  it("keeps the headers given (test_headers)", () => {
    const request = new HTTPRequest(URL, { headers: { foo: "bar" } });
    expect([...request.headers]).to.deep.equal([["Foo", "bar"]]);
  });

  it("replaces the headers through the setter (test_headers_setter)", () => {
    const request = new HTTPRequest(URL);
    request.headers = { bar: "baz" };
    expect(request.headers).to.be.instanceOf(HTTPHeaders);
    expect([...request.headers]).to.deep.equal([["Bar", "baz"]]);
    const headers = new HTTPHeaders({ X: "1" });
    request.headers = headers;
    expect(request.headers).to.equal(headers);
  });

  it("makes empty headers of null or undefined (test_null_headers_setter)", () => {
    const request = new HTTPRequest(URL, { headers: { a: "1" } });
    request.headers = null;
    expect(request.headers.size).to.equal(0);
    request.headers = { a: "1" };
    request.headers = undefined;
    expect(request.headers.size).to.equal(0);
    expect(new HTTPRequest(URL).headers.size).to.equal(0);
  });

  it("encodes a string body as UTF-8 (test_body)", () => {
    const request = new HTTPRequest(URL, { body: "foo" });
    expect(request.body).to.deep.equal(Buffer.from("foo"));
    expect(new HTTPRequest(URL, { body: "£" }).body).to.deep.equal(Buffer.from([0xc2, 0xa3]));
  });

  it("encodes a body set later (test_body_setter)", () => {
    const request = new HTTPRequest(URL);
    expect(request.body).to.equal(undefined);
    request.body = "foo";
    expect(request.body).to.deep.equal(Buffer.from("foo"));
    request.body = new Uint8Array([1, 2]);
    expect(Buffer.isBuffer(request.body)).to.equal(true);
    expect(request.body).to.deep.equal(Buffer.from([1, 2]));
    request.body = undefined;
    expect(request.body).to.equal(undefined);
  });

  it("stores ifModifiedSince as given (test_if_modified_since)", () => {
    const date = new Date();
    expect(new HTTPRequest(URL, { ifModifiedSince: date }).ifModifiedSince).to.equal(date);
    const seconds = 1359312200.5;
    const request = new HTTPRequest(URL, { ifModifiedSince: seconds });
    expect(request.ifModifiedSince).to.equal(seconds);
    expect(formatTimestamp(request.ifModifiedSince!)).to.equal("Sun, 27 Jan 2013 18:43:20 GMT");
  });

  it("takes the URL in the options object too", () => {
    const request = new HTTPRequest({ url: URL, method: "POST", requestTimeout: 3 });
    expect(request.url).to.equal(URL);
    expect(request.method).to.equal("POST");
    expect(request.requestTimeout).to.equal(3);
  });

  it("leaves unset options undefined and sets startTime to the wall clock", () => {
    const before = Date.now() / 1000;
    const request = new HTTPRequest(URL);
    expect(request.method).to.equal("GET");
    expect(request.connectTimeout).to.equal(undefined);
    expect(request.followRedirects).to.equal(undefined);
    expect(request.expect100Continue).to.equal(false);
    expect(request.startTime).to.be.within(before, Date.now() / 1000);
  });

  it("has Tornado's defaults", () => {
    expect(HTTP_REQUEST_DEFAULTS).to.deep.equal({
      connectTimeout: 20,
      requestTimeout: 20,
      followRedirects: true,
      maxRedirects: 5,
      decompressResponse: true,
      proxyPassword: "",
      allowNonstandardMethods: false,
      validateCert: true,
    });
    expect(Object.isFrozen(HTTP_REQUEST_DEFAULTS)).to.equal(true);
  });
});

describe("HTTPResponseTestCase", () => {
  it("prints its code (test_str)", () => {
    const response = new HTTPResponse(new HTTPRequest(URL), 200, { buffer: Buffer.alloc(0) });
    const s = String(response);
    expect(s.startsWith("HTTPResponse(")).to.equal(true);
    expect(s).to.contain("code=200");
  });

  it("makes an HTTPClientError of a non-2xx code", () => {
    const response = new HTTPResponse(new HTTPRequest(URL), 404);
    expect(response.error).to.be.instanceOf(HTTPClientError);
    const error = response.error as HTTPClientError;
    expect(error.code).to.equal(404);
    expect(error.message).to.equal("Not Found");
    expect(error.response).to.equal(response);
    expect(response.errorIsResponseCode).to.equal(true);
    expect(response.reason).to.equal("Not Found");
  });

  it("uses the given reason and error", () => {
    const reasoned = new HTTPResponse(new HTTPRequest(URL), 418, { reason: "Short And Stout" });
    expect(String(reasoned.error)).to.equal("HTTP 418: Short And Stout");
    const cause = new Error("refused");
    const failed = new HTTPResponse(new HTTPRequest(URL), 599, { error: cause });
    expect(failed.error).to.equal(cause);
    expect(failed.errorIsResponseCode).to.equal(false);
    expect(failed.reason).to.equal("Unknown");
  });

  it("has no error for 2xx and defaults for the rest", () => {
    const request = new HTTPRequest(URL);
    const response = new HTTPResponse(new RequestProxy(request, HTTP_REQUEST_DEFAULTS), 204);
    expect(response.request).to.equal(request);
    expect(response.error).to.equal(null);
    expect(response.errorIsResponseCode).to.equal(false);
    expect(response.reason).to.equal("No Content");
    expect(response.effectiveUrl).to.equal(URL);
    expect(response.headers.size).to.equal(0);
    expect(response.requestTime).to.equal(null);
    expect(response.startTime).to.equal(null);
    expect(response.timeInfo).to.deep.equal({});
    expect(() => response.rethrow()).not.to.throw();
  });

  it("gives an empty body for a null buffer", () => {
    const response = new HTTPResponse(new HTTPRequest(URL), 200, { buffer: null });
    expect(response.buffer).to.equal(null);
    expect(response.body).to.deep.equal(Buffer.alloc(0));
    const full = new HTTPResponse(new HTTPRequest(URL), 200, { buffer: Buffer.from("hi") });
    expect(full.body.toString()).to.equal("hi");
  });

  it("rethrows its error", () => {
    const cause = new Error("boom");
    const response = new HTTPResponse(new HTTPRequest(URL), 599, { error: cause });
    expect(thrown(() => response.rethrow())).to.equal(cause);
  });
});

describe("HTTPErrorTestCase", () => {
  it("copies with its code (test_copy)", () => {
    const e = new HTTPError(403);
    const e2 = Object.assign(Object.create(Object.getPrototypeOf(e) as object) as HTTPError, e);
    expect(e2).not.to.equal(e);
    expect(e2.code).to.equal(e.code);
    expect(e2).to.be.instanceOf(HTTPClientError);
  });

  it("prints HTTP code and reason (test_plain_error)", () => {
    const e = new HTTPError(403);
    expect(e.toString()).to.equal("HTTP 403: Forbidden");
    expect(String(e)).to.equal("HTTP 403: Forbidden");
    expect(`${e}`).to.equal("HTTP 403: Forbidden");
  });

  it("is what a response's rethrow throws (test_error_with_response)", () => {
    const response = new HTTPResponse(new HTTPRequest(URL), 403);
    const e = thrown(() => response.rethrow());
    expect(e).to.be.instanceOf(HTTPError);
    expect(String(e)).to.equal("HTTP 403: Forbidden");
    expect((e as HTTPError).response).to.equal(response);
  });

  it("is HTTPClientError under both names, with Error's fields", () => {
    expect(HTTPError).to.equal(HTTPClientError);
    const cause = new Error("reset");
    const e = new HTTPClientError(599, undefined, undefined, { cause });
    expect(e).to.be.instanceOf(Error);
    expect(e.name).to.equal("HTTPClientError");
    expect(e.message).to.equal("Unknown");
    expect(e.cause).to.equal(cause);
    expect(e.response).to.equal(undefined);
    expect(new HTTPClientError(500, "Bad").message).to.equal("Bad");
  });
});

describe("AsyncHTTPClientTest", () => {
  const t = useFreshLoop();
  keepConfiguration();

  it("shares one client per loop (test_singleton)", async () => {
    const client = sharedClient();
    expect(new AsyncHTTPClient()).to.equal(client);
    expect(new AsyncHTTPClient({ forceInstance: true })).not.to.equal(client);
    expect(client.ioLoop).to.equal(t.loop);
    const other = new IOLoop({ makeCurrent: false });
    try {
      const client1 = await t.loop.runSync(async () => new AsyncHTTPClient());
      const client2 = await other.runSync(async () => new AsyncHTTPClient());
      expect(client1).to.equal(client);
      expect(client2).not.to.equal(client1);
      expect(client2.ioLoop).to.equal(other);
    } finally {
      other.close();
    }
    client.close();
  });

  it("makes a fresh instance when a subclass is constructed directly", () => {
    const shared = sharedClient();
    const a = new FakeClient();
    const b = new FakeClient();
    expect(a).not.to.equal(b);
    expect(a).not.to.equal(shared);
    expect(new AsyncHTTPClient()).to.equal(shared);
  });

  it("makes a new shared client after the shared one is closed", () => {
    const client = sharedClient();
    client.close();
    client.close();
    expect(client.closed).to.equal(true);
    const next = sharedClient();
    expect(next).not.to.equal(client);
    expect(next.closed).to.equal(false);
    const forced = new AsyncHTTPClient({ forceInstance: true });
    forced.close();
    expect(new AsyncHTTPClient()).to.equal(next);
  });

  it("passes configure options, overridden by the constructor's (test_max_clients)", () => {
    expect(sharedClient({ forceInstance: true }).maxClients).to.equal(10);
    expect(sharedClient({ forceInstance: true, maxClients: 11 }).maxClients).to.equal(11);
    AsyncHTTPClient.configure(FakeClient, { maxClients: 12 });
    expect(AsyncHTTPClient.configuredOptions()).to.deep.equal({ maxClients: 12 });
    expect(sharedClient({ forceInstance: true }).maxClients).to.equal(12);
    expect(sharedClient({ forceInstance: true, maxClients: 13 }).maxClients).to.equal(13);
    // configure options reach only clients made through the base class.
    expect(new FakeClient().maxClients).to.equal(10);
  });

  it("ignores options given once the shared client exists (#1941)", () => {
    const client = sharedClient({ maxClients: 3 });
    expect(sharedClient({ maxClients: 7 })).to.equal(client);
    expect(client.maxClients).to.equal(3);
    client.close();
  });

  it("rejects a configured class that is not a subclass", () => {
    class NotAClient {}
    expect(() => AsyncHTTPClient.configure(NotAClient as unknown as AsyncHTTPClientClass)).to.throw(
      TypeError,
      /Invalid subclass/,
    );
    expect(() => AsyncHTTPClient.configure(AsyncHTTPClient)).to.throw(TypeError);
    expect(AsyncHTTPClient.configuredClass()).to.equal(FakeClient);
  });

  it("refuses to fetch once closed", () => {
    const client = new FakeClient();
    client.close();
    const e = thrown(() => client.fetch(URL));
    expect(e).to.be.instanceOf(RuntimeError);
    expect(e.message).to.equal("fetch() called on closed AsyncHTTPClient");
  });

  it("refuses request options with an HTTPRequest", () => {
    const client = new FakeClient();
    const e = thrown(() => client.fetch(new HTTPRequest(URL), { method: "POST" }));
    expect(e).to.be.instanceOf(TypeError);
    expect(e.message).to.match(/^options can't be used if request is an HTTPRequest object/);
    expect(client.seen).to.have.length(0);
  });

  it("throws RuntimeError from the base fetchImpl", () => {
    class Bare extends AsyncHTTPClient {}
    const e = thrown(() => new Bare().fetch(URL));
    expect(e).to.be.instanceOf(RuntimeError);
    expect(e.message).to.equal("fetchImpl is not implemented");
  });

  it("makes a request of a URL and options (test_future_interface)", async () => {
    const client = new FakeClient();
    const response = await t.loop.runSync(() =>
      client.fetch(URL, { method: "HEAD", requestTimeout: 3, raiseError: true }),
    );
    expect(response.code).to.equal(200);
    const [proxy] = client.seen;
    expect(proxy!.method).to.equal("HEAD");
    expect(proxy!.requestTimeout).to.equal(3);
    expect(proxy!.connectTimeout).to.equal(20);
    expect(response.request).to.equal(proxy!.request);
    expect(Object.keys(response.request)).not.to.include("raiseError");
  });

  it("never modifies the caller's headers (test_header_reuse)", async () => {
    const client = new FakeClient();
    const headers = new HTTPHeaders({ A: "1" });
    const request = new HTTPRequest(URL, { headers });
    client.respond = (proxy) => {
      proxy.headers.set("Host", "example.com");
      return new HTTPResponse(proxy, 200);
    };
    await t.loop.runSync(() => client.fetch(request));
    expect([...headers]).to.deep.equal([["A", "1"]]);
    expect(client.seen[0]!.headers.get("Host")).to.equal("example.com");
  });

  it("rejects with the error of a non-2xx response (test_future_http_error)", async () => {
    const client = new FakeClient();
    client.respond = (proxy) => new HTTPResponse(proxy, 404);
    const e = await t.loop.runSync(() => rejection(client.fetch(URL)));
    expect(e).to.be.instanceOf(HTTPClientError);
    expect((e as HTTPClientError).code).to.equal(404);
    expect((e as HTTPClientError).response!.code).to.equal(404);
  });

  it("resolves a non-2xx response with raiseError false (test_future_http_error_no_raise)", async () => {
    const client = new FakeClient();
    client.respond = (proxy) => new HTTPResponse(proxy, 404);
    const response = await t.loop.runSync(() => client.fetch(URL, { raiseError: false }));
    expect(response.code).to.equal(404);
    expect(response.error).to.be.instanceOf(HTTPClientError);
  });

  it("rejects a 599 failure even with raiseError false", async () => {
    const client = new FakeClient();
    const failure = new HTTPClientError(599, "Timeout during request");
    client.respond = (proxy) => new HTTPResponse(proxy, 599, { error: failure });
    const e = await t.loop.runSync(() => rejection(client.fetch(URL, { raiseError: false })));
    expect(e).to.equal(failure);
  });

  it("logs an error that comes after cancel (test_error_after_cancel)", async () => {
    const client = new FakeClient();
    client.respond = (proxy) => new HTTPResponse(proxy, 404);
    const expectLog = new ExpectLog(appLog, /Exception after Future was cancelled/);
    await expectLog.run(() =>
      t.loop.runSync(async () => {
        const future = client.fetch(URL);
        expect(future.cancel()).to.equal(true);
        for (let i = 0; i < 10 && !expectLog.loggedStack; i++) await nextTurn(t.loop);
      }),
    );
    expect(expectLog.loggedStack).to.equal(true);
  });

  it("drops a success that comes after cancel silently", async () => {
    const client = new FakeClient();
    const { records } = await captureLogs(() =>
      t.loop.runSync(async () => {
        const future = client.fetch(URL);
        future.cancel();
        await nextTurn(t.loop);
        await nextTurn(t.loop);
        expect(client.seen).to.have.length(1);
      }),
    );
    expect(records).to.have.length(0);
  });

  it("applies the client's defaults to requests (test_configure_defaults)", async () => {
    const client = sharedClient({
      forceInstance: true,
      defaults: { userAgent: "TestDefaultUserAgent", allowIpv6: false },
    });
    expect(client.defaults.userAgent).to.equal("TestDefaultUserAgent");
    expect(client.defaults.requestTimeout).to.equal(20);
    expect(Object.isFrozen(client.defaults)).to.equal(true);
    const response = await t.loop.runSync(() => client.fetch(URL));
    expect(response.body.toString()).to.equal("TestDefaultUserAgent");
    expect(client.seen[0]!.allowIpv6).to.equal(false);
    const own = await t.loop.runSync(() => client.fetch(URL, { userAgent: "Mine" }));
    expect(own.body.toString()).to.equal("Mine");
    client.close();
  });
});
