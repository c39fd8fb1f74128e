/** Small assertion helpers shared by the suites. */

/** Resolves with the error `promise` rejects with; fails if it resolves. */
export async function rejection(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
