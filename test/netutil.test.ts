/**
 * Tests of `netutil`, named after Tornado's netutil_test.py: the default resolver
 * (`_ResolverTestMixin`, `_ResolverErrorTestMixin`), `OverrideResolverTest`,
 * `IsValidIPTest`, plus `Resolver.configure` and the TLS option translation
 * (`ssl_options_to_context`), checked with real handshakes on 127.0.0.1.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { Future } from "../src/concurrent";
import {
  DefaultResolver,
  OverrideResolver,
  Resolver,
  ResolverError,
  isSecureContext,
  isValidIp,
  sslOptionsToContext,
  type ResolveOptions,
  type ResolvedAddress,
  type TLSContextSettings,
} from "../src/netutil";
import { bindUnusedPort } from "../src/testing";
import { TEST_CERT, TEST_KEY } from "../src/testing/_test_cert";
import { useFreshLoop } from "./helpers/loop";
import { rejection } from "./helpers/assertions";

/** A resolver that records its calls and answers with one IPv4 address per call. */
class RecordingResolver extends Resolver {
  readonly calls: [string, number, ResolveOptions | undefined][] = [];
  closed = 0;

  resolve(host: string, port: number, options?: ResolveOptions): Future<ResolvedAddress[]> {
    this.calls.push([host, port, options]);
    const future = new Future<ResolvedAddress[]>();
    future.setResult([[4, { host: "192.0.2.1", port }]]);
    return future;
  }

  override close(): void {
    this.closed++;
  }
}

describe("DefaultResolverTest", () => {
  const t = useFreshLoop();

  it("finds 127.0.0.1 for localhost (test_localhost)", async () => {
    const result = await t.loop.runSync(() => new DefaultResolver().resolve("localhost", 80));
    expect(result).to.deep.include([4, { host: "127.0.0.1", port: 80 }]);
  });

  it("keeps only the requested family for localhost", async () => {
    const result = await t.loop.runSync(() =>
      new DefaultResolver().resolve("localhost", 8080, { family: 4 }),
    );
    expect(result.length).to.be.greaterThan(0);
    for (const [family, address] of result) {
      expect(family).to.equal(4);
      expect(address.port).to.equal(8080);
    }
  });

  it("returns IPv4 and IPv6 literals as they are", async () => {
    const resolver = new DefaultResolver();
    const [v4, v6] = await t.loop.runSync(() =>
      Promise.all([resolver.resolve("127.0.0.1", 1), resolver.resolve("::1", 2)]),
    );
    expect(v4).to.deep.equal([[4, { host: "127.0.0.1", port: 1 }]]);
    expect(v6).to.deep.equal([[6, { host: "::1", port: 2 }]]);
  });

  it("rejects an IP literal of the other family with ResolverError", async () => {
    const error = await t.loop.runSync(() =>
      rejection(new DefaultResolver().resolve("127.0.0.1", 80, { family: 6 })),
    );
    expect(error).to.be.instanceOf(ResolverError);
    expect(error.message).to.equal('Resolving "127.0.0.1" (port 80) gave no IPv6 addresses');
    expect((error as ResolverError).host).to.equal("127.0.0.1");
    expect((error as ResolverError).port).to.equal(80);
  });

  it("rejects a name that does not resolve with the system error (test_bad_host)", async () => {
    const error = await t.loop.runSync(() =>
      rejection(new DefaultResolver().resolve("an invalid domain", 80)),
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).to.be.oneOf(["ENOTFOUND", "EAI_AGAIN"]);
    expect(error.message).to.include("an invalid domain");
  });

  it("rejects an empty host with ResolverError", async () => {
    const error = await t.loop.runSync(() => rejection(new DefaultResolver().resolve("", 80)));
    expect(error).to.be.instanceOf(ResolverError);
  });

  it("rejects a bad port or family with RangeError, through the future", async () => {
    const resolver = new DefaultResolver();
    const errors = await t.loop.runSync(() =>
      Promise.all([
        rejection(resolver.resolve("localhost", 70000)),
        rejection(resolver.resolve("localhost", 1.5)),
        rejection(resolver.resolve("localhost", 80, { family: 5 as 4 })),
      ]),
    );
    for (const error of errors) expect(error).to.be.instanceOf(RangeError);
    expect(errors[0].message).to.equal("Resolver needs a port in 0..65535; got 70000");
    expect(errors[2].message).to.equal("Resolver needs family 0, 4 or 6; got 5");
  });
});

describe("ResolverConfigureTest", () => {
  afterEach(() => Resolver.configure(null));

  it("creates a DefaultResolver unless configured", () => {
    expect(Resolver.configuredClass()).to.equal(DefaultResolver);
    expect(Resolver.create()).to.be.instanceOf(DefaultResolver);
  });

  it("creates the configured class, and the default again after configure(null)", () => {
    Resolver.configure(RecordingResolver);
    expect(Resolver.configuredClass()).to.equal(RecordingResolver);
    expect(Resolver.create()).to.be.instanceOf(RecordingResolver);
    Resolver.configure(null);
    expect(Resolver.create()).to.be.instanceOf(DefaultResolver);
  });

  it("refuses something that is not a class", () => {
    expect(() => Resolver.configure("DefaultResolver" as never)).to.throw(
      TypeError,
      "Resolver.configure needs a Resolver class or null",
    );
  });
});

describe("OverrideResolverTest", () => {
  const t = useFreshLoop();

  // Tornado's mapping, with its tuple keys written as key strings.
  function tornadoMapping(): OverrideResolver {
    return new OverrideResolver(new DefaultResolver(), {
      "google.com:80": ["1.2.3.4", 80],
      "google.com:80:4": ["1.2.3.4", 80],
      "google.com:80:6": ["2a02:6b8:7c:40c:c51e:495f:e23a:3", 80],
    });
  }

  it("maps host, port and family (test_resolve_multiaddr)", async () => {
    const resolver = tornadoMapping();
    const [v4, v6] = await t.loop.runSync(() =>
      Promise.all([
        resolver.resolve("google.com", 80, { family: 4 }),
        resolver.resolve("google.com", 80, { family: 6 }),
      ]),
    );
    expect(v4).to.deep.include([4, { host: "1.2.3.4", port: 80 }]);
    expect(v6).to.deep.include([6, { host: "2a02:6b8:7c:40c:c51e:495f:e23a:3", port: 80 }]);
  });

  it("maps host and port when no family key matches (test_localhost of the mixin)", async () => {
    const resolver = new OverrideResolver(new DefaultResolver(), {
      "google.com:80": ["127.0.0.1", 80],
    });
    const result = await t.loop.runSync(() => resolver.resolve("google.com", 80));
    expect(result).to.deep.equal([[4, { host: "127.0.0.1", port: 80 }]]);
  });

  it("tries host+port+family, then host+port, then host", async () => {
    const inner = new RecordingResolver();
    const resolver = new OverrideResolver(inner, {
      "example.com:443:6": ["six.example", 6443],
      "example.com:443": ["port.example", 8443],
      "example.com": "host.example",
    });
    await t.loop.runSync(() =>
      Promise.all([
        resolver.resolve("example.com", 443, { family: 6 }),
        resolver.resolve("example.com", 443, { family: 4 }),
        resolver.resolve("example.com", 443),
        resolver.resolve("example.com", 80),
        resolver.resolve("other.example", 443),
      ]),
    );
    expect(inner.calls.map(([host, port]) => [host, port])).to.deep.equal([
      ["six.example", 6443],
      ["port.example", 8443],
      ["port.example", 8443],
      ["host.example", 80], // a host value keeps the port
      ["other.example", 443], // no key: unchanged
    ]);
    expect(inner.calls[0][2]).to.deep.equal({ family: 6 });
  });

  it("accepts a Map, a [host, port] value for a host key, and reads it live", async () => {
    const inner = new RecordingResolver();
    const mapping = new Map<string, string | [string, number]>([["a.example", ["b.example", 1]]]);
    const resolver = new OverrideResolver(inner, mapping);
    await t.loop.runSync(() => resolver.resolve("a.example", 80));
    mapping.set("a.example", "c.example");
    await t.loop.runSync(() => resolver.resolve("a.example", 80));
    expect(inner.calls.map(([host, port]) => [host, port])).to.deep.equal([
      ["b.example", 1],
      ["c.example", 80],
    ]);
  });

  it("brackets IPv6 hosts in keys so that they cannot collide", async () => {
    expect(OverrideResolver.key("::1", 80, 6)).to.equal("[::1]:80:6");
    expect(OverrideResolver.key("::1", 80)).to.equal("[::1]:80");
    expect(OverrideResolver.key("::1")).to.equal("::1");
    expect(OverrideResolver.key("example.com", 80, 0)).to.equal("example.com:80:0");
    const inner = new RecordingResolver();
    // "::1:80" is itself an IPv6 address; it must not match host "::1" with port 80.
    const resolver = new OverrideResolver(inner, {
      "::1:80": "wrong.example",
      "[::1]:80": "right.example",
    });
    await t.loop.runSync(() => resolver.resolve("::1", 80));
    expect(inner.calls[0][0]).to.equal("right.example");
  });

  it("ignores keys inherited from Object.prototype", async () => {
    const inner = new RecordingResolver();
    const resolver = new OverrideResolver(inner, {});
    await t.loop.runSync(() => resolver.resolve("constructor", 80));
    expect(inner.calls[0][0]).to.equal("constructor");
  });

  it("closes the resolver it wraps", () => {
    const inner = new RecordingResolver();
    new OverrideResolver(inner, {}).close();
    expect(inner.closed).to.equal(1);
  });

  it("refuses a missing resolver or mapping", () => {
    expect(() => new OverrideResolver(null as never, {})).to.throw(TypeError, "needs a resolver");
    expect(() => new OverrideResolver(new RecordingResolver(), null as never)).to.throw(
      TypeError,
      "needs a mapping",
    );
  });
});

describe("IsValidIPTest", () => {
  it("accepts IPv4 and IPv6 literals and rejects the rest (test_is_valid_ip)", () => {
    for (const ip of ["127.0.0.1", "4.4.4.4", "::1", "2620:0:1cfe:face:b00c::3"]) {
      expect(isValidIp(ip), ip).to.equal(true);
    }
    const invalid = [
      "www.google.com",
      "localhost",
      "4.4.4.4<",
      " 127.0.0.1",
      "",
      " ",
      "\n",
      "\x00",
      "a".repeat(100),
      "127.0.0.1\x00",
    ];
    for (const ip of invalid) expect(isValidIp(ip), JSON.stringify(ip)).to.equal(false);
    expect(isValidIp(null)).to.equal(false);
    expect(isValidIp(undefined)).to.equal(false);
  });
});

describe("SSLOptionsToContextTest", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tornado-ts-netutil-"));
    fs.writeFileSync(path.join(tmp, "cert.pem"), TEST_CERT);
    fs.writeFileSync(path.join(tmp, "key.pem"), TEST_KEY);
    fs.writeFileSync(path.join(tmp, "both.pem"), TEST_CERT + TEST_KEY);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /**
   * Connects to a TLS server that presents the test certificate (for 127.0.0.1, ::1 and
   * localhost), using `settings` as a client would; resolves with "ok" or the error code.
   */
  async function handshake(
    settings: TLSContextSettings,
    servername: string,
    serverSettings: TLSContextSettings = sslOptionsToContext(
      { cert: TEST_CERT, key: TEST_KEY },
      true,
    ),
    serverOptions: tls.TlsOptions = {},
  ): Promise<string> {
    // tls.createServer builds its own context from its options; SNICallback swaps in ours.
    const server = tls.createServer({
      ...serverOptions,
      SNICallback: (_name, callback) => callback(null, serverSettings.secureContext),
      requestCert: serverSettings.requestCert,
      rejectUnauthorized: serverSettings.rejectUnauthorized,
    });
    server.on("secureConnection", (socket) => socket.end());
    server.on("tlsClientError", () => {});
    const bound = await bindUnusedPort({ server });
    try {
      return await new Promise<string>((resolve) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port: bound.port,
          servername,
          secureContext: settings.secureContext,
          rejectUnauthorized: settings.rejectUnauthorized,
          checkServerIdentity: settings.checkHostname ? tls.checkServerIdentity : () => undefined,
        });
        socket.on("secureConnect", () => {
          socket.destroy();
          resolve("ok");
        });
        socket.on("error", (error: NodeJS.ErrnoException) => {
          socket.destroy();
          resolve(error.code ?? error.message);
        });
      });
    } finally {
      await bound.close();
    }
  }

  it("defaults a client to verifying the certificate and the hostname", async () => {
    const settings = sslOptionsToContext(null);
    expect(settings.rejectUnauthorized).to.equal(true);
    expect(settings.checkHostname).to.equal(true);
    expect(isSecureContext(settings.secureContext)).to.equal(true);
    // The test certificate is self-signed: the system CAs do not know it.
    expect(await handshake(settings, "localhost")).to.equal("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(sslOptionsToContext(undefined)).to.include({
      rejectUnauthorized: true,
      checkHostname: true,
    });
  });

  it("trusts caCerts given as PEM content, a Buffer, a path or a list", async () => {
    for (const caCerts of [
      TEST_CERT,
      Buffer.from(TEST_CERT),
      path.join(tmp, "cert.pem"),
      [path.join(tmp, "cert.pem"), TEST_CERT],
    ]) {
      const settings = sslOptionsToContext({ caCerts });
      expect(await handshake(settings, "localhost"), String(caCerts).slice(0, 30)).to.equal("ok");
    }
  });

  it("checks the hostname against the certificate unless told not to", async () => {
    const checked = sslOptionsToContext({ caCerts: TEST_CERT });
    expect(await handshake(checked, "example.com")).to.equal("ERR_TLS_CERT_ALTNAME_INVALID");
    const unchecked = sslOptionsToContext({ caCerts: TEST_CERT, checkHostname: false });
    expect(unchecked.rejectUnauthorized).to.equal(true);
    expect(await handshake(unchecked, "example.com")).to.equal("ok");
  });

  it("verifies nothing with verifyMode CERT_NONE", async () => {
    const settings = sslOptionsToContext({ verifyMode: "CERT_NONE" });
    expect(settings).to.include({ rejectUnauthorized: false, checkHostname: false });
    expect(await handshake(settings, "example.com")).to.equal("ok");
  });

  it("loads a server certificate from certfile/keyfile, or from a certfile holding both", async () => {
    const client = sslOptionsToContext({ caCerts: TEST_CERT });
    const separate = sslOptionsToContext(
      { certfile: path.join(tmp, "cert.pem"), keyfile: path.join(tmp, "key.pem") },
      true,
    );
    expect(await handshake(client, "localhost", separate)).to.equal("ok");
    const combined = sslOptionsToContext({ certfile: path.join(tmp, "both.pem") }, true);
    expect(await handshake(client, "localhost", combined)).to.equal("ok");
  });

  it("gives a server Tornado's defaults and maps verifyMode to requestCert", () => {
    expect(sslOptionsToContext({ cert: TEST_CERT, key: TEST_KEY }, true)).to.include({
      rejectUnauthorized: false,
      checkHostname: false,
      requestCert: false,
    });
    const optional = sslOptionsToContext({ verifyMode: "CERT_OPTIONAL" }, true);
    expect(optional).to.include({ requestCert: true, rejectUnauthorized: false });
    const required = sslOptionsToContext({ verifyMode: "CERT_REQUIRED" }, true);
    expect(required).to.include({ requestCert: true, rejectUnauthorized: true });
  });

  it("uses a SecureContext as it is, with the side's default flags", () => {
    const context = tls.createSecureContext();
    const client = sslOptionsToContext(context);
    expect(client.secureContext).to.equal(context);
    expect(client).to.include({ rejectUnauthorized: true, checkHostname: true });
    expect(sslOptionsToContext(context, true)).to.include({ rejectUnauthorized: false });
  });

  it("refuses unknown keys, naming them", () => {
    expect(() => sslOptionsToContext({ ca_certs: "x" } as never)).to.throw(
      TypeError,
      'Unknown SSL option "ca_certs"',
    );
  });

  it("refuses bad values clearly", () => {
    expect(() => sslOptionsToContext({ verifyMode: "CERT_SOMETIMES" as never })).to.throw(
      TypeError,
      'Invalid SSL option verifyMode: "CERT_SOMETIMES"',
    );
    expect(() => sslOptionsToContext({ verifyMode: "CERT_NONE", checkHostname: true })).to.throw(
      TypeError,
      "Cannot set verifyMode to CERT_NONE when checkHostname is enabled",
    );
    expect(() => sslOptionsToContext({ certfile: "a.pem", cert: TEST_CERT })).to.throw(
      TypeError,
      "certfile or cert",
    );
    expect(() => sslOptionsToContext("cert.pem" as never)).to.throw(TypeError, "got string");
    expect(() => sslOptionsToContext({ caCerts: path.join(tmp, "missing.pem") }))
      .to.throw(Error)
      .with.property("code", "ENOENT");
    expect(() => sslOptionsToContext({ ciphers: "NO-SUCH-CIPHER" })).to.throw(Error);
  });

  it("passes minVersion to the context", async () => {
    const settings = sslOptionsToContext({ caCerts: TEST_CERT, minVersion: "TLSv1.3" });
    expect(await handshake(settings, "localhost")).to.equal("ok");
    const server = sslOptionsToContext({ cert: TEST_CERT, key: TEST_KEY }, true);
    const result = await handshake(settings, "localhost", server, { maxVersion: "TLSv1.2" });
    expect(result).to.match(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
  });
});
