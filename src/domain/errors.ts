/** Which input document an error is about; the CLI and handlers map it to a file or key name. */
export type InputSource = 'portfolio' | 'market' | 'rules' | 'job' | 'prices' | 'binance-balance' | 'binance-um' | 'binance-cm' | string;

/**
 * Bad input: names the document, the field path inside it and what was expected. Everything a user
 * can fix by editing a file is an InputError; anything else is a bug.
 */
export class InputError extends Error {
  constructor(
    readonly source: InputSource,
    readonly path: string,
    readonly expected: string,
    readonly got?: string,
  ) {
    super(`${source}: ${path || '(document)'}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`);
    this.name = 'InputError';
  }

  /** The same error, reported against a concrete file name instead of the document kind. */
  withSource(source: string): InputError {
    return new InputError(source, this.path, this.expected, this.got);
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
