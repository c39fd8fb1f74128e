/**
 * Tests of `httputil`'s helpers, named after Tornado's tornado/test/httputil_test.py (the
 * parser has its own files: http_parser*.test.ts). Multipart parsing is not ported, so
 * neither is MultipartFormDataTest; pickling has no JavaScript counterpart.
 */
import { expect } from "chai";
import {
  HTTPHeaders,
  HTTPInputError,
  HTTPOutputError,
  RequestStartLine,
  ResponseStartLine,
  encodeUsernamePassword,
  formatTimestamp,
  parseCookie,
  parseRequestStartLine,
  parseResponseStartLine,
  qsToQsl,
  responses,
  splitHostAndPort,
  urlConcat,
} from "../src/httputil";

describe("TestUrlConcat", () => {
  const cases: Array<[string, string, Parameters<typeof urlConcat>[1], string]> = [
    [
      "test_url_concat_no_query_params",
      "https://localhost/path",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=y&z=z",
    ],
    [
      "test_url_concat_encode_args",
      "https://localhost/path",
      [
        ["y", "/y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=%2Fy&z=z",
    ],
    [
      "test_url_concat_trailing_q",
      "https://localhost/path?",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?y=y&z=z",
    ],
    [
      "test_url_concat_q_with_no_trailing_amp",
      "https://localhost/path?x",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?x=&y=y&z=z",
    ],
    [
      "test_url_concat_trailing_amp",
      "https://localhost/path?x&",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?x=&y=y&z=z",
    ],
    [
      "test_url_concat_mult_params",
      "https://localhost/path?a=1&b=2",
      [
        ["y", "y"],
        ["z", "z"],
      ],
      "https://localhost/path?a=1&b=2&y=y&z=z",
    ],
    [
      "test_url_concat_no_params",
      "https://localhost/path?r=1&t=2",
      [],
      "https://localhost/path?r=1&t=2",
    ],
    [
      "test_url_concat_none_params",
      "https://localhost/path?r=1&t=2",
      null,
      "https://localhost/path?r=1&t=2",
    ],
    [
      "test_url_concat_with_frag",
      "https://localhost/path#tab",
      [["y", "y"]],
      "https://localhost/path?y=y#tab",
    ],
    [
      "test_url_concat_multi_same_params",
      "https://localhost/path",
      [
        ["y", "y1"],
        ["y", "y2"],
      ],
      "https://localhost/path?y=y1&y=y2",
    ],
    [
      "test_url_concat_multi_same_query_params",
      "https://localhost/path?r=1&r=2",
      [["y", "y"]],
      "https://localhost/path?r=1&r=2&y=y",
    ],
    [
      "test_url_concat_dict_params",
      "https://localhost/path",
      { y: "y" },
      "https://localhost/path?y=y",
    ],
  ];
  for (const [name, url, args, expected] of cases) {
    it(`concatenates ${JSON.stringify(url)} and ${JSON.stringify(args)} (${name})`, () => {
      expect(urlConcat(url, args)).to.equal(expected);
    });
  }

  it("re-encodes the existing query as Python's urlencode does", () => {
    expect(urlConcat("http://e.com/?a=b+c&d=%7E%2f", { e: "f g" })).to.equal(
      "http://e.com/?a=b+c&d=~%2F&e=f+g",
    );
  });

  it("refuses args that are neither an object nor an array", () => {
    expect(() => urlConcat("http://e.com/", "a=b" as never)).to.throw(TypeError, /received string/);
  });
});

describe("QsParseTest", () => {
  it("turns name-to-values back into pairs (test_parsing)", () => {
    const qsl = [...qsToQsl({ a: ["1", "3"], b: ["2"] })];
    expect(qsl).to.deep.include(["a", "1"]);
    expect(qsl).to.deep.include(["a", "3"]);
    expect(qsl).to.deep.include(["b", "2"]);
    expect(qsl).to.have.length(3);
  });
});

describe("HTTPHeadersTest", () => {
  it("folds continuation lines into one value each (test_multi_line)", () => {
    const data = "Foo: bar\n baz\nAsdf: qwer\n\tzxcv\nFoo: even\n     more\n     lines\n".replace(
      /\n/g,
      "\r\n",
    );
    const headers = HTTPHeaders.parse(data);
    expect(headers.get("asdf")).to.equal("qwer zxcv");
    expect(headers.getList("asdf")).to.deep.equal(["qwer zxcv"]);
    expect(headers.get("Foo")).to.equal("bar baz,even more lines");
    expect(headers.getList("foo")).to.deep.equal(["bar baz", "even more lines"]);
    expect([...headers.getAll()].sort()).to.deep.equal([
      ["Asdf", "qwer zxcv"],
      ["Foo", "bar baz"],
      ["Foo", "even more lines"],
    ]);
    expect(headers.has("asdf")).to.equal(true);
    expect(headers.has("Asdf")).to.equal(true);
  });

  it("joins a tab continuation and rejects a fold on the first line or a form feed (test_continuation)", () => {
    expect(HTTPHeaders.parse("Foo: bar\r\n\tasdf").get("Foo")).to.equal("bar asdf");
    expect(() => HTTPHeaders.parse(" Foo: bar")).to.throw(HTTPInputError, /first header line/);
    // \f is whitespace to String.prototype.trim but not to HTTP.
    expect(() => HTTPHeaders.parse("Foo: bar\r\n\fasdf")).to.throw(HTTPInputError);
  });

  it("accepts only HTAB, SP..~ and obs-text in values (test_forbidden_ascii_characters)", () => {
    for (let c = 0; c < 0xff; c++) {
      const data = `Foo: bar${String.fromCharCode(c)}baz\r\n`;
      if (c === 0x09 || (c >= 0x20 && c !== 0x7f)) {
        expect(HTTPHeaders.parse(data).get("Foo"), `char ${c}`).to.equal(
          `bar${String.fromCharCode(c)}baz`,
        );
      } else {
        expect(() => HTTPHeaders.parse(data), `char ${c}`).to.throw(HTTPInputError);
      }
    }
  });

  it("splits lines only at LF, not at Unicode line breaks (test_unicode_newlines)", () => {
    for (const newline of ["\u0085", "\u2028", "\u2029"]) {
      for (const encoding of ["utf8", "latin1"] as const) {
        if (encoding === "latin1" && newline.charCodeAt(0) > 0xff) continue;
        const encoded = Buffer.from(newline, encoding);
        const data = Buffer.concat([Buffer.from("Cookie: foo="), encoded, Buffer.from("bar")]);
        const headers = HTTPHeaders.parse(data.toString("latin1"));
        expect([...headers.getAll()]).to.deep.equal([
          ["Cookie", `foo=${encoded.toString("latin1")}bar`],
        ]);
      }
    }
  });

  it("strips only SP and HTAB around values (test_unicode_whitespace)", () => {
    const whitespace: Array<[string, boolean]> = [
      [" ", true],
      ["\t", true],
      ["\u00a0", false],
      ["\u0085", false],
    ];
    for (const [c, stripped] of whitespace) {
      const headers = HTTPHeaders.parse(`Transfer-Encoding: ${c}chunked`);
      expect([...headers.getAll()]).to.deep.equal([
        ["Transfer-Encoding", stripped ? "chunked" : `${c}chunked`],
      ]);
    }
  });

  it("takes CRLF or LF as line ends and refuses a bare CR (test_optional_cr)", () => {
    expect(() => HTTPHeaders.parse("CRLF: crlf\r\nLF: lf\nCR: cr\rMore: more\r\n")).to.throw(
      HTTPInputError,
    );
    const headers = HTTPHeaders.parse("CRLF: crlf\r\nLF: lf\nMore: more\r\n");
    expect([...headers.getAll()].sort()).to.deep.equal([
      ["Crlf", "crlf"],
      ["Lf", "lf"],
      ["More", "more"],
    ]);
  });

  it("copies without sharing lists (test_copy)", () => {
    const allPairs: Array<[string, string]> = [
      ["A", "1"],
      ["A", "2"],
      ["B", "c"],
    ];
    const h1 = new HTTPHeaders();
    for (const [k, v] of allPairs) h1.add(k, v);
    const h2 = h1.copy();
    const h3 = new HTTPHeaders(h1);
    for (const headers of [h1, h2, h3]) expect([...headers].sort()).to.deep.equal(allPairs);
    for (const headers of [h2, h3]) {
      expect(headers).to.not.equal(h1);
      expect(headers.getList("A")).to.not.equal(h1.getList("A"));
    }
    h2.add("A", "3");
    h2.getList("B").push("mutated");
    expect(h1.getList("A")).to.deep.equal(["1", "2"]);
    expect(h1.getList("B")).to.deep.equal(["c"]);
  });

  it("returns the existing value or stores the default (test_setdefault)", () => {
    const headers = new HTTPHeaders();
    headers.set("foo", "bar");
    expect(headers.setDefault("foo", "baz")).to.equal("bar");
    expect(headers.get("foo")).to.equal("bar");
    expect(headers.setDefault("quux", "xyzzy")).to.equal("xyzzy");
    expect(headers.get("quux")).to.equal("xyzzy");
    expect([...headers].sort()).to.deep.equal([
      ["Foo", "bar"],
      ["Quux", "xyzzy"],
    ]);
  });

  it("prints lines that parse back to the same headers (test_string)", () => {
    const headers = new HTTPHeaders();
    headers.add("Foo", "1");
    headers.add("Foo", "2");
    headers.add("Foo", "3");
    expect(String(headers)).to.equal("Foo: 1\nFoo: 2\nFoo: 3\n");
    expect([...HTTPHeaders.parse(String(headers))]).to.deep.equal([...headers]);
  });

  it("refuses names that are not tokens (test_invalid_header_names)", () => {
    for (const name of ["", "foo bar", "foo\tbar", "foo\nbar", "foo\x00bar", "foo ", " foo", "é"]) {
      expect(() => new HTTPHeaders().add(name, "bar"), JSON.stringify(name)).to.throw(
        HTTPInputError,
        /Invalid header name/,
      );
    }
  });

  it("refuses values with control characters, edge whitespace or non-Latin-1 in add", () => {
    for (const value of ["a\r\nb", "a\nb", "a\x00b", " a", "a ", "\u20ac"]) {
      expect(() => new HTTPHeaders().add("X", value), JSON.stringify(value)).to.throw(
        HTTPInputError,
        /Invalid header value/,
      );
    }
    const headers = new HTTPHeaders();
    headers.set("X", "a\r\nb"); // set does not check, as Tornado's h[k] = v
    expect(headers.get("x")).to.equal("a\r\nb");
  });

  it("adds many values in linear time (test_linear_performance)", () => {
    const timeAdds = (n: number): number => {
      const start = process.hrtime.bigint();
      const headers = new HTTPHeaders();
      for (let i = 0; i < n; i++) headers.add("X-Foo", "bar");
      expect(headers.getList("x-foo")).to.have.length(n);
      return Number(process.hrtime.bigint() - start);
    };
    // Ten times the adds should take about ten times as long (a quadratic add would take a
    // hundred). Up to three tries, so that a GC pause or a busy machine does not decide.
    timeAdds(10_000); // warm up
    const d1 = Math.min(timeAdds(10_000), timeAdds(10_000), timeAdds(10_000));
    let d2 = Infinity;
    for (let i = 0; i < 3 && d2 / d1 >= 20; i++) d2 = Math.min(d2, timeAdds(100_000));
    expect(d2 / d1, `d1=${d1} ns, d2=${d2} ns`).to.be.below(20);
  });

  it("normalises names to Http-Header-Case", () => {
    const headers = new HTTPHeaders({ "content-type": "text/html", "WWW-Authenticate": "Basic" });
    expect([...headers.keys()]).to.deep.equal(["Content-Type", "Www-Authenticate"]);
    expect(headers.get("CONTENT-TYPE")).to.equal("text/html");
    expect(headers.get("missing")).to.equal(undefined);
    expect(headers.getList("missing")).to.deep.equal([]);
  });

  it("builds from objects with arrays, pairs and other headers, keeping every value", () => {
    const fromObject = new HTTPHeaders({ Accept: ["text/html", "application/json"] });
    expect(fromObject.get("accept")).to.equal("text/html,application/json");
    const fromPairs = new HTTPHeaders([
      ["X-A", "1"],
      ["x-a", "2"],
    ]);
    expect(fromPairs.getList("X-A")).to.deep.equal(["1", "2"]);
    expect([...new HTTPHeaders(fromPairs)]).to.deep.equal([...fromPairs]);
  });

  it("sets, deletes and counts by name", () => {
    const headers = HTTPHeaders.parse("A: 1\r\nB: 2\r\na: 3\r\n");
    expect(headers.size).to.equal(2);
    headers.set("a", "only");
    expect(headers.getList("A")).to.deep.equal(["only"]);
    expect(headers.delete("b")).to.equal(true);
    expect(headers.delete("b")).to.equal(false);
    expect(headers.has("B")).to.equal(false);
    expect([...headers]).to.deep.equal([["A", "only"]]);
  });

  it("parses single lines with or without their line ending (parse_line)", () => {
    const headers = new HTTPHeaders();
    headers.parseLine("Content-Type: text/html");
    headers.parseLine("Content-Length: 42\r\n");
    headers.parseLine("\r\n");
    expect([...headers]).to.deep.equal([
      ["Content-Type", "text/html"],
      ["Content-Length", "42"],
    ]);
    expect(() => headers.parseLine("nocolon\r\n")).to.throw(
      HTTPInputError,
      "no colon in header line",
    );
  });
});

describe("FormatTimestampTest", () => {
  const TIMESTAMP = 1359312200.503611;
  const EXPECTED = "Sun, 27 Jan 2013 18:43:20 GMT";

  it("formats a fractional number of seconds (test_unix_time_float)", () => {
    expect(formatTimestamp(TIMESTAMP)).to.equal(EXPECTED);
  });

  it("formats a whole number of seconds (test_unix_time_int)", () => {
    expect(formatTimestamp(Math.trunc(TIMESTAMP))).to.equal(EXPECTED);
  });

  it("formats a Date made from UTC fields (test_struct_time, test_time_tuple)", () => {
    expect(formatTimestamp(new Date(Date.UTC(2013, 0, 27, 18, 43, 20)))).to.equal(EXPECTED);
  });

  it("formats a Date made from a UTC ISO string (test_utc_naive_datetime)", () => {
    expect(formatTimestamp(new Date("2013-01-27T18:43:20.503Z"))).to.equal(EXPECTED);
  });

  it("formats a Date given in another time zone as GMT (test_other_aware_datetime)", () => {
    expect(formatTimestamp(new Date("2013-01-27T14:43:20-04:00"))).to.equal(EXPECTED);
  });

  it("rounds times before 1970 down, as time.gmtime does", () => {
    expect(formatTimestamp(-1.5)).to.equal("Wed, 31 Dec 1969 23:59:58 GMT");
  });

  it("refuses other types and invalid times", () => {
    expect(() => formatTimestamp("2013" as never)).to.throw(TypeError, /unknown timestamp type/);
    expect(() => formatTimestamp(Number.NaN)).to.throw(RangeError);
    expect(() => formatTimestamp(new Date("garbage"))).to.throw(RangeError);
  });
});

describe("ParseRequestStartLineTest", () => {
  it("splits method, path and version (test_parse_request_start_line)", () => {
    const line = parseRequestStartLine("GET /foo HTTP/1.1");
    expect(line).to.be.instanceOf(RequestStartLine);
    expect([line.method, line.path, line.version]).to.deep.equal(["GET", "/foo", "HTTP/1.1"]);
    expect(String(line)).to.equal("GET /foo HTTP/1.1");
  });

  it("refuses malformed request lines and other versions", () => {
    for (const bad of [
      "GET /foo",
      "GET  /foo HTTP/1.1",
      "GET /f oo HTTP/1.1",
      "G(T / HTTP/1.1",
      "GET / HTTP/1.1 ",
      "GET /\x00 HTTP/1.1",
    ]) {
      expect(() => parseRequestStartLine(bad), JSON.stringify(bad)).to.throw(
        HTTPInputError,
        /Malformed HTTP request line/,
      );
    }
    expect(() => parseRequestStartLine("GET / HTTP/2.0")).to.throw(
      HTTPInputError,
      /Unexpected HTTP version/,
    );
  });
});

describe("ParseResponseStartLineTest", () => {
  it("splits version, code and reason", () => {
    const line = parseResponseStartLine("HTTP/1.1 200 OK");
    expect(line).to.be.instanceOf(ResponseStartLine);
    expect([line.version, line.code, line.reason]).to.deep.equal(["HTTP/1.1", 200, "OK"]);
    expect(parseResponseStartLine("HTTP/1.0 404 Not  Found\t!").reason).to.equal("Not  Found\t!");
  });

  it("accepts a status line without reason, with or without its space (RFC 9112 §4)", () => {
    expect(parseResponseStartLine("HTTP/1.1 204").reason).to.equal("");
    expect(parseResponseStartLine("HTTP/1.1 204 ").reason).to.equal("");
  });

  it("refuses anything but HTTP/1.x SP 3DIGIT [SP reason] (RFC 9112 §4)", () => {
    const bad = [
      "HTTP/1.1 20 OK",
      "HTTP/1.1 2000 OK",
      "HTTP/1.1  200 OK",
      "HTTP/1.1 200OK",
      "ICY 200 OK",
      "HTTP/1 200 OK",
      "http/1.1 200 OK",
      "HTTP/1.1 2x0 OK",
      "HTTP/1.1 200 O\x01K",
      "HTTP/1.1 200 OK\r",
    ];
    for (const line of bad) {
      expect(() => parseResponseStartLine(line), JSON.stringify(line)).to.throw(
        HTTPInputError,
        /Error parsing response start line/,
      );
    }
    expect(() => parseResponseStartLine("HTTP/2.0 200 OK")).to.throw(
      HTTPInputError,
      /Unexpected HTTP version/,
    );
  });
});

describe("ParseCookieTest", () => {
  it("parses cookies as Python's http.cookies tests expect (test_python_cookies)", () => {
    expect(parseCookie("chips=ahoy; vienna=finger")).to.deep.equal({
      chips: "ahoy",
      vienna: "finger",
    });
    // Every semicolon separates, even inside quotes.
    expect(parseCookie('keebler="E=mc2; L=\\"Loves\\"; fudge=\\012;"')).to.deep.equal({
      keebler: '"E=mc2',
      L: '\\"Loves\\"',
      fudge: "\\012",
      "": '"',
    });
    expect(parseCookie("keebler=E=mc2")).to.deep.equal({ keebler: "E=mc2" });
    expect(parseCookie("key:term=value:term")).to.deep.equal({ "key:term": "value:term" });
    expect(parseCookie("a=b; c=[; d=r; f=h")).to.deep.equal({ a: "b", c: "[", d: "r", f: "h" });
  });

  it("keeps attributes as cookies and the last of a repeated name (test_cookie_edgecases)", () => {
    expect(parseCookie("a=b; Domain=example.com")).to.deep.equal({ a: "b", Domain: "example.com" });
    expect(parseCookie("a=b; h=i; a=c")).to.deep.equal({ a: "c", h: "i" });
  });

  it("parses what browsers send against the RFC (test_invalid_cookies)", () => {
    expect(Object.keys(parseCookie("abc=def; unnamed; django_language=en"))).to.include(
      "django_language",
    );
    expect(parseCookie('a=b; "; c=d')).to.deep.equal({ a: "b", "": '"', c: "d" });
    expect(parseCookie("a b c=d e = f; gh=i")).to.deep.equal({ "a b c": "d e = f", gh: "i" });
    expect(parseCookie('a   b,c<>@:/[]?{}=d  "  =e,f g')).to.deep.equal({
      "a   b,c<>@:/[]?{}": 'd  "  =e,f g',
    });
    expect(parseCookie("saint=André Bessette")).to.deep.equal({ saint: "André Bessette" });
    expect(parseCookie("  =  b  ;  ;  =  ;   c  =  ;  ")).to.deep.equal({ "": "b", c: "" });
  });

  it("resolves quoted values and their escapes (test_unquote)", () => {
    const cases: Array<[string, string]> = [
      ['a="b=\\""', 'b="'],
      ['a="b=\\\\"', "b=\\"],
      ['a="b=\\="', "b=="],
      ['a="b=\\n"', "b=n"],
      ['a="b=\\042"', 'b="'],
      ['a="b=\\134"', "b=\\"],
      ['a="b=\\377"', "b=\xff"],
      ['a="b=\\400"', "b=400"],
      ['a="b=\\42"', "b=42"],
      ['a="b=\\\\042"', "b=\\042"],
      ['a="b=\\\\134"', "b=\\134"],
      ['a="b=\\\\\\""', 'b=\\"'],
      ['a="b=\\\\\\042"', 'b=\\"'],
      ['a="b=\\134\\""', 'b=\\"'],
      ['a="b=\\134\\042"', 'b=\\"'],
    ];
    for (const [encoded, decoded] of cases) {
      expect(parseCookie(encoded).a, encoded).to.equal(decoded);
    }
  });

  it("unquotes a large value quickly (test_unquote_large)", () => {
    const n = 100_000;
    for (const encoded of ["\\\\", "\\134"]) {
      const start = process.hrtime.bigint();
      const value = parseCookie(`a="b=${encoded.repeat(n)}"`).a!;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      expect(value.slice(0, 3)).to.equal("b=\\");
      expect(value.slice(-3)).to.equal("\\\\\\");
      expect(value).to.have.length(n + 2);
      expect(seconds).to.be.below(1);
    }
  });

  it("accepts any cookie name as a key, __proto__ included", () => {
    const cookies = parseCookie("__proto__=x; constructor=y");
    expect(cookies["__proto__"]).to.equal("x");
    expect(cookies["constructor"]).to.equal("y");
  });
});

describe("HTTPUtilHelpersTest", () => {
  it("splits host and port (split_host_and_port)", () => {
    expect(splitHostAndPort("example.com:8080")).to.deep.equal(["example.com", 8080]);
    expect(splitHostAndPort("example.com")).to.deep.equal(["example.com", null]);
    expect(splitHostAndPort("[::1]:443")).to.deep.equal(["[::1]", 443]);
    expect(splitHostAndPort("host:")).to.deep.equal(["host:", null]);
  });

  it("encodes credentials as NFC UTF-8 (encode_username_password, test_basic_auth_unicode)", () => {
    expect(encodeUsernamePassword("Aladdin", "open sesame").toString("base64")).to.equal(
      "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    );
    expect(encodeUsernamePassword("e\u0301", "123\u00a3")).to.deep.equal(
      Buffer.from("\u00e9:123\u00a3", "utf8"),
    );
    expect(encodeUsernamePassword(Buffer.from([0xff]), "p")).to.deep.equal(
      Buffer.from([0xff, 0x3a, 0x70]),
    );
  });

  it("knows the reason phrases (responses)", () => {
    expect(responses[200]).to.equal("OK");
    expect(responses[404]).to.equal("Not Found");
    expect(responses[599]).to.equal(undefined);
    expect(Object.isFrozen(responses)).to.equal(true);
  });

  it("gives its errors their names", () => {
    expect(new HTTPInputError("x").name).to.equal("HTTPInputError");
    expect(new HTTPOutputError("x"))
      .to.be.instanceOf(Error)
      .and.have.property("name", "HTTPOutputError");
  });
});
