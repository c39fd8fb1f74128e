// Tests for src/escape, after Tornado's tornado/test/escape_test.py.
import { expect } from "chai";
import {
  jsonDecode,
  jsonEncode,
  nativeStr,
  parseQsBytes,
  recursiveUnicode,
  squeeze,
  toBasestring,
  toUnicode,
  urlEscape,
  urlUnescape,
  utf8,
  xhtmlEscape,
  xhtmlUnescape,
} from "../src/escape";

const bytes = (...values: number[]): Buffer => Buffer.from(values);

describe("EscapeTestCase", () => {
  it("escapes the five xhtml characters (test_xhtml_escape)", () => {
    const tests: Array<[string | Buffer, string]> = [
      ["<foo>", "&lt;foo&gt;"],
      [Buffer.from("<foo>"), "&lt;foo&gt;"],
      [`<>&"'`, "&lt;&gt;&amp;&quot;&#39;"],
      ["&amp;", "&amp;amp;"],
      ["<\u00e9>", "&lt;\u00e9&gt;"],
      [bytes(0x3c, 0xc3, 0xa9, 0x3e), "&lt;\u00e9&gt;"],
      ["plain text", "plain text"],
    ];
    for (const [unescaped, escaped] of tests) {
      expect(xhtmlEscape(unescaped)).to.equal(escaped);
      expect(xhtmlUnescape(escaped)).to.equal(toUnicode(unescaped));
    }
  });

  it("resolves decimal and hex references, leaving invalid ones (test_xhtml_unescape_numeric)", () => {
    const tests: Array<[string, string]> = [
      ["foo&#32;bar", "foo bar"],
      ["foo&#x20;bar", "foo bar"],
      ["foo&#X20;bar", "foo bar"],
      ["foo&#xabc;bar", "foo\u0abcbar"],
      ["foo&#xyz;bar", "foo&#xyz;bar"], // invalid encoding
      ["foo&#;bar", "foo&#;bar"], // invalid encoding
      ["foo&#x;bar", "foo&#x;bar"], // invalid encoding
      ["&#65;", "A"],
      ["&#x41;", "A"],
      ["&#xZZ;", "&#xZZ;"],
      ["&#x1F32A;", "\u{1f32a}"],
      ["&#x110000;", "&#x110000;"], // beyond Unicode
      ["&#65", "&#65"], // no semicolon
    ];
    for (const [escaped, unescaped] of tests) {
      expect(xhtmlUnescape(escaped), escaped).to.equal(unescaped);
    }
  });

  it("resolves the HTML 4 named entities and leaves unknown ones", () => {
    const tests: Array<[string, string]> = [
      ["caf&eacute;", "caf\u00e9"],
      ["&lt;&gt;&amp;&quot;", `<>&"`],
      ["&nbsp;&euro;&hearts;&Alpha;&thetasym;&diams;", "\u00a0\u20ac\u2665\u0391\u03d1\u2666"],
      ["&nope;", "&nope;"],
      ["&apos;", "&apos;"], // XML's, not in HTML 4
      ["&AMP;", "&AMP;"], // names are case-sensitive
      ["&amp", "&amp"],
      [Buffer.from("&Eacute;t&eacute;").toString(), "\u00c9t\u00e9"],
    ];
    for (const [escaped, unescaped] of tests) {
      expect(xhtmlUnescape(escaped), escaped).to.equal(unescaped);
    }
    expect(xhtmlUnescape(Buffer.from("&copy;"))).to.equal("\u00a9");
  });

  it("encodes strings as UTF-8 and escapes Buffers bytewise (test_url_escape_unicode)", () => {
    const tests: Array<[string | Buffer, string]> = [
      // Buffers are escaped as they are
      [Buffer.from("\u00e9", "utf8"), "%C3%A9"],
      [Buffer.from("\u00e9", "latin1"), "%E9"],
      // strings become UTF-8
      ["\u00e9", "%C3%A9"],
      ["\u{1f32a}", "%F0%9F%8C%AA"],
    ];
    for (const [unescaped, escaped] of tests) {
      expect(urlEscape(unescaped)).to.equal(escaped);
    }
  });

  it("keeps letters, digits and _.-~ and escapes the rest", () => {
    const safe = "ABCXYZabcxyz0189_.-~";
    expect(urlEscape(safe)).to.equal(safe);
    expect(urlEscape(safe, false)).to.equal(safe);
    expect(urlEscape("a/b?c=d&e")).to.equal("a%2Fb%3Fc%3Dd%26e");
    // Python's quote() keeps "/" for paths.
    expect(urlEscape("a/b?c=d&e", false)).to.equal("a/b%3Fc%3Dd%26e");
    expect(urlEscape(bytes(0x00, 0x7f, 0xff))).to.equal("%00%7F%FF");
  });

  it("decodes as utf8, latin1 or bytes (test_url_unescape_unicode)", () => {
    expect(urlUnescape("%C3%A9")).to.equal("\u00e9");
    expect(urlUnescape(Buffer.from("%C3%A9"))).to.equal("\u00e9");
    expect(urlUnescape("%C3%A9", { encoding: "utf8" })).to.equal("\u00e9");
    expect(urlUnescape("%C3%A9", { encoding: "latin1" })).to.equal("\u00c3\u00a9");
    expect(urlUnescape(Buffer.from("%C3%A9"), { encoding: "latin1" })).to.equal("\u00c3\u00a9");
    expect(urlUnescape("%C3%A9", { encoding: null })).to.deep.equal(bytes(0xc3, 0xa9));
    expect(urlUnescape(Buffer.from("%C3%A9"), { encoding: null })).to.deep.equal(bytes(0xc3, 0xa9));
  });

  it("uses + for spaces only with plus (test_url_escape_quote_plus)", () => {
    const unescaped = "+ #%";
    const plusEscaped = "%2B+%23%25";
    const escaped = "%2B%20%23%25";
    expect(urlEscape(unescaped)).to.equal(plusEscaped);
    expect(urlEscape(unescaped, false)).to.equal(escaped);
    expect(urlUnescape(plusEscaped)).to.equal(unescaped);
    expect(urlUnescape(escaped, { plus: false })).to.equal(unescaped);
    expect(urlUnescape(plusEscaped, { encoding: null })).to.deep.equal(utf8(unescaped));
    expect(urlUnescape(escaped, { encoding: null, plus: false })).to.deep.equal(utf8(unescaped));
    expect(urlUnescape("a+b")).to.equal("a b");
    expect(urlUnescape("a+b", { plus: false })).to.equal("a+b");
  });

  it("leaves invalid percent sequences as they are, like Python's unquote", () => {
    expect(urlUnescape("100%")).to.equal("100%");
    expect(urlUnescape("%zz%4")).to.equal("%zz%4");
    expect(urlUnescape("%%41")).to.equal("%A");
    expect(urlUnescape("%4g%41", { encoding: null })).to.deep.equal(Buffer.from("%4gA"));
    // Bytes that are not UTF-8 decode to U+FFFD, as with errors="replace".
    expect(urlUnescape("%E9t%C3%A9")).to.equal("\ufffdt\u00e9");
    // Characters outside ASCII pass through, as in Python.
    expect(urlUnescape("\u00e9%C3%A9", { encoding: "latin1" })).to.equal("\u00e9\u00c3\u00a9");
    expect(urlUnescape("\u00e9%41", { encoding: null })).to.deep.equal(Buffer.from("\u00e9A"));
  });

  it("rejects an unknown encoding", () => {
    expect(() => urlUnescape("a", { encoding: "ascii" as "utf8" })).to.throw(
      TypeError,
      'unknown encoding "ascii"',
    );
  });

  it("returns strings from escapes and Buffers from utf8 (test_escape_return_types)", () => {
    expect(xhtmlEscape("foo")).to.be.a("string");
    expect(xhtmlEscape(Buffer.from("foo"))).to.be.a("string");
    expect(urlEscape(Buffer.from("foo"))).to.be.a("string");
    expect(toUnicode(Buffer.from("foo"))).to.equal("foo");
    expect(toUnicode("foo")).to.equal("foo");
    expect(Buffer.isBuffer(utf8("foo"))).to.equal(true);
    const buffer = Buffer.from("foo");
    expect(utf8(buffer)).to.equal(buffer);
    expect(utf8(null)).to.equal(null);
    expect(utf8(undefined)).to.equal(undefined);
    expect(toUnicode(null)).to.equal(null);
    expect(toUnicode(undefined)).to.equal(undefined);
    expect(nativeStr).to.equal(toUnicode);
    expect(toBasestring).to.equal(toUnicode);
  });

  it("names the type it cannot convert", () => {
    expect(() => utf8(5 as unknown as string)).to.throw(
      TypeError,
      "Expected string, Buffer or null; got number",
    );
    expect(() => utf8(new Uint8Array(1) as unknown as Buffer)).to.throw(
      TypeError,
      "got Uint8Array",
    );
    expect(() => toUnicode({} as unknown as string)).to.throw(TypeError, "got Object");
    expect(() => xhtmlEscape(null as unknown as string)).to.throw(TypeError, "got null");
  });

  it("decodes UTF-8 strictly and keeps a byte order mark", () => {
    expect(() => toUnicode(bytes(0x61, 0xff))).to.throw(
      TypeError,
      "Cannot decode bytes as UTF-8: received invalid UTF-8 in 2 bytes starting <61 ff>",
    );
    expect(() => xhtmlEscape(bytes(0xc3))).to.throw(TypeError, "Cannot decode bytes as UTF-8");
    expect(toUnicode(bytes(0xef, 0xbb, 0xbf, 0x61))).to.equal("\ufeffa");
  });

  it("parses JSON from strings and UTF-8 bytes (test_json_decode)", () => {
    expect(jsonDecode(Buffer.from('"foo"'))).to.equal("foo");
    expect(jsonDecode('"foo"')).to.equal("foo");
    // Non-ASCII bytes are read as UTF-8
    expect(jsonDecode(utf8('"\u00e9"'))).to.equal("\u00e9");
    expect(() => jsonDecode("{")).to.throw(SyntaxError);
  });

  it("escapes </ so the JSON can sit in a script element (test_json_encode)", () => {
    expect(jsonDecode(jsonEncode("\u00e9"))).to.equal("\u00e9");
    const encoded = jsonEncode("</script>");
    expect(encoded).to.contain("<\\/");
    expect(encoded).not.to.contain("</");
    expect(jsonDecode(encoded)).to.equal("</script>");
    expect(jsonEncode({ a: [1, "x"] })).to.equal('{"a":[1,"x"]}');
    expect(() => jsonEncode(undefined)).to.throw(TypeError, "Cannot encode value as JSON");
  });

  it("collapses runs of whitespace (test_squeeze)", () => {
    expect(squeeze("sequences     of    whitespace   chars")).to.equal(
      "sequences of whitespace chars",
    );
    expect(squeeze(" \t\r\n a\x0b\x0c\x00\x1fb  ")).to.equal("a b");
    expect(squeeze("\u00e9  \u00e9")).to.equal("\u00e9 \u00e9");
  });

  it("decodes Buffers inside arrays, objects and Maps (test_recursive_unicode)", () => {
    expect(recursiveUnicode({ foo: Buffer.from("bar") })).to.deep.equal({ foo: "bar" });
    expect(recursiveUnicode([Buffer.from("foo"), Buffer.from("bar")])).to.deep.equal([
      "foo",
      "bar",
    ]);
    expect(recursiveUnicode(Buffer.from("foo"))).to.equal("foo");
    const map = new Map<Buffer | string, Buffer[]>([[Buffer.from("k"), [Buffer.from("v")]]]);
    expect(recursiveUnicode(map)).to.deep.equal(new Map([["k", ["v"]]]));
    const date = new Date(0);
    const input = { nested: { list: [Buffer.from("x"), 1, null] }, date, n: 2 };
    const output = recursiveUnicode(input);
    expect(output).to.deep.equal({ nested: { list: ["x", 1, null] }, date, n: 2 });
    expect(output.date).to.equal(date);
    expect(input.nested.list[0]).to.deep.equal(Buffer.from("x")); // input untouched
  });
});

describe("ParseQsBytesTest", () => {
  it("collects the values of each key as Buffers", () => {
    const args = parseQsBytes("a=1&b=x+y&a=%E9&c=%C3%A9");
    expect(Object.keys(args)).to.deep.equal(["a", "b", "c"]);
    expect(args["a"]).to.deep.equal([Buffer.from("1"), bytes(0xe9)]);
    expect(args["b"]).to.deep.equal([Buffer.from("x y")]);
    expect(args["c"]).to.deep.equal([bytes(0xc3, 0xa9)]);
  });

  it("reads keys as Latin-1 and accepts Buffers", () => {
    const args = parseQsBytes(Buffer.from([0x6b, 0xe9, 0x3d, 0xff]));
    expect(args).to.have.keys(["k\u00e9"]);
    expect(args["k\u00e9"]).to.deep.equal([bytes(0xff)]);
    expect(parseQsBytes("%C3%A9=1")).to.have.keys(["\u00c3\u00a9"]);
  });

  it("skips blank values unless keepBlankValues", () => {
    expect(parseQsBytes("a=&b&c=1&&")).to.deep.equal({ c: [Buffer.from("1")] });
    expect(parseQsBytes("a=&b&c=1", { keepBlankValues: true })).to.deep.equal({
      a: [Buffer.alloc(0)],
      b: [Buffer.alloc(0)],
      c: [Buffer.from("1")],
    });
    expect(parseQsBytes("")).to.deep.equal({});
  });

  it("throws on a field without = under strictParsing", () => {
    expect(() => parseQsBytes("a=1&b", { strictParsing: true })).to.throw(
      TypeError,
      'bad query field: "b"',
    );
    expect(() => parseQsBytes("a=1&&b=2", { strictParsing: true })).to.throw(
      TypeError,
      'bad query field: ""',
    );
    expect(parseQsBytes("", { strictParsing: true })).to.deep.equal({});
  });

  it("splits on & only and keeps an = inside a value", () => {
    expect(parseQsBytes("a=1;b=2&c=x=y")).to.deep.equal({
      a: [Buffer.from("1;b=2")],
      c: [Buffer.from("x=y")],
    });
  });

  it("keeps a __proto__ key as an ordinary key", () => {
    const args = parseQsBytes("__proto__=1&constructor=2");
    expect(Object.getPrototypeOf(args)).to.equal(null);
    expect(args["__proto__"]).to.deep.equal([Buffer.from("1")]);
    expect(args["constructor"]).to.deep.equal([Buffer.from("2")]);
  });

  it("rejects a value with a character that has no Latin-1 byte", () => {
    expect(() => parseQsBytes("a=\u20ac")).to.throw(TypeError, "Latin-1");
  });
});
