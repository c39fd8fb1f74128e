/**
 * The 252 named character references of HTML 4.01 (the table Python keeps as
 * `html.entities.name2codepoint`), which `xhtmlUnescape` resolves. Internal to `escape`.
 *
 * Stored as text to stay small and readable: entries are `name:hex` with the code point
 * in hexadecimal, and a bare `name` stands for the code point after the previous entry,
 * which packs runs such as the Latin-1 letters and the Greek alphabet.
 *
 * @module
 */

const PACKED =
  "quot:22 amp:26 lt:3c gt:3e nbsp:a0 iexcl cent pound curren yen brvbar sect uml copy ordf " +
  "laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm " +
  "raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil " +
  "Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde " +
  "Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde " +
  "auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde " +
  "ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml " +
  "OElig:152 oelig Scaron:160 scaron Yuml:178 fnof:192 circ:2c6 tilde:2dc Alpha:391 Beta " +
  "Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho Sigma:3a3 " +
  "Tau Upsilon Phi Chi Psi Omega alpha:3b1 beta gamma delta epsilon zeta eta theta iota " +
  "kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega " +
  "thetasym:3d1 upsih piv:3d6 ensp:2002 emsp thinsp:2009 zwnj:200c zwj lrm rlm ndash:2013 " +
  "mdash lsquo:2018 rsquo sbquo ldquo:201c rdquo bdquo dagger:2020 Dagger bull hellip:2026 " +
  "permil:2030 prime:2032 Prime lsaquo:2039 rsaquo oline:203e frasl:2044 euro:20ac " +
  "image:2111 weierp:2118 real:211c trade:2122 alefsym:2135 larr:2190 uarr rarr darr harr " +
  "crarr:21b5 lArr:21d0 uArr rArr dArr hArr forall:2200 part:2202 exist empty:2205 " +
  "nabla:2207 isin notin ni:220b prod:220f sum:2211 minus lowast:2217 radic:221a prop:221d " +
  "infin ang:2220 and:2227 or cap cup int there4:2234 sim:223c cong:2245 asymp:2248 ne:2260 " +
  "equiv le:2264 ge sub:2282 sup nsub sube:2286 supe oplus:2295 otimes:2297 perp:22a5 " +
  "sdot:22c5 lceil:2308 rceil lfloor rfloor lang:2329 rang loz:25ca spades:2660 clubs:2663 " +
  "hearts:2665 diams";

function unpack(packed: string): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  let codePoint = 0;
  for (const entry of packed.split(" ")) {
    const [name, hex] = entry.split(":") as [string, string | undefined];
    codePoint = hex === undefined ? codePoint + 1 : parseInt(hex, 16);
    table.set(name, codePoint);
  }
  return table;
}

/** Entity name (case-sensitive, without `&` and `;`) to Unicode code point. */
export const HTML4_ENTITIES: ReadonlyMap<string, number> = unpack(PACKED);
