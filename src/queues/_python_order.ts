/**
 * The default order of `PriorityQueue`: Python's `<` on the values Tornado's examples put
 * in a priority queue, numbers, strings and tuples such as `(priority, data)`.
 */

type Kind = "number" | "string" | "date" | "array" | "other";

function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean": // Python's bool is an int
      return "number";
    case "string":
      return "string";
    case "object":
      if (Array.isArray(value)) return "array";
      if (value instanceof Date) return "date";
      return "other";
    default:
      return "other";
  }
}

function describeKind(value: unknown): string {
  const kind = kindOf(value);
  return kind === "other" ? typeof value : kind;
}

/**
 * Compares `a` and `b` as Python compares them: numbers (also bigints and booleans) by
 * value, strings by code unit, Dates by time, arrays element by element and then by
 * length, as tuples. Values with no natural order (plain objects, functions, null,
 * undefined) compare as equal, so the queue's insertion order decides between them
 * (Python would raise); NaN also compares as equal.
 *
 * @returns negative if `a` sorts first, positive if `b` does, 0 if neither.
 * @throws `TypeError` for two orderable values of different kinds, such as a number and
 *   a string (Python's "'<' not supported between instances of 'str' and 'int'").
 */
export function pythonCompare(a: unknown, b: unknown): number {
  // Fast path for the usual priorities.
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const kindA = kindOf(a);
  const kindB = kindOf(b);
  if (kindA === "other" || kindB === "other") return 0;
  if (kindA !== kindB) {
    throw new TypeError(
      `PriorityQueue cannot order a ${describeKind(a)} against a ${describeKind(b)}; ` +
        `give the queue a compare function`,
    );
  }
  switch (kindA) {
    case "array": {
      const left = a as unknown[];
      const right = b as unknown[];
      const shared = Math.min(left.length, right.length);
      for (let i = 0; i < shared; i++) {
        const order = pythonCompare(left[i], right[i]);
        if (order !== 0) return order;
      }
      return left.length - right.length;
    }
    case "date": {
      const ta = (a as Date).getTime();
      const tb = (b as Date).getTime();
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    }
    default: {
      const va = a as number | bigint | string;
      const vb = b as number | bigint | string;
      return va < vb ? -1 : va > vb ? 1 : 0;
    }
  }
}
