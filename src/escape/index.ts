/**
 * tornado-ts `escape`: HTML, JSON and URL escaping and string/bytes conversions (mirrors
 * `tornado.escape`).
 *
 * @module
 */
export {
  utf8,
  toUnicode,
  nativeStr,
  toBasestring,
  xhtmlEscape,
  xhtmlUnescape,
  jsonEncode,
  jsonDecode,
  squeeze,
  urlEscape,
  urlUnescape,
  recursiveUnicode,
  parseQsBytes,
} from "./escape";
export type { UrlUnescapeOptions, ParseQsOptions, RecursiveUnicode } from "./escape";
