/** Exhaustiveness guard for switches over event and command types: a new variant fails to compile. */
export function assertNever(x: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(x)}`);
}
