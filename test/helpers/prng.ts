/**
 * A deterministic generator of numbers in [0, 1) (mulberry32), for randomised tests that
 * must replay the same inputs from a seed.
 *
 * @example
 * const random = prng(1);
 * const size = 1 + Math.floor(random() * 100);
 */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
