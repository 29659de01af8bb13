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
    // One line whatever the input held: a field name or value with a line break (a JSON key may
    // have one) would otherwise split the message the CLI prints and the API returns.
    super(oneLine(`${source}: ${path || '(document)'}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`));
    this.name = 'InputError';
  }

  /** The same error, reported against a concrete file name instead of the document kind. */
  withSource(source: string): InputError {
    return new InputError(source, this.path, this.expected, this.got);
  }
}

/** Escapes line breaks (\n, \r, U+2028, U+2029) so a message stays on one line. */
function oneLine(text: string): string {
  return text.replace(/[\n\r\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16)}`));
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}

/** The two kinds of price a snapshot reads; funding rates are read by the replay, never by a snapshot. */
export type PriceKind = 'index' | 'mark';

/**
 * A price the snapshot needs is not in the market given (missing, or stale and so hidden). Still an
 * InputError about the market document, with the same message, so a one-off snapshot reports it as
 * before; the replay catches this class to open a price gap, reading the series from its fields.
 */
export class MissingPriceError extends InputError {
  constructor(
    readonly kind: PriceKind,
    /** The asset (index) or symbol (mark) of the series. */
    readonly seriesName: string,
    /** The market's time, when the market has one (a replay step's). */
    readonly time: number | undefined,
  ) {
    super(
      'market',
      `${kind === 'index' ? 'indexPrices' : 'markPrices'}.${seriesName}`,
      kind === 'index' ? `an index price for asset ${seriesName}` : `a mark price for position symbol ${seriesName}`,
      'none',
    );
    this.name = 'MissingPriceError';
  }
}

/**
 * A state that cannot happen if the code is right (a liquidation without the prices its trigger
 * priced, a kernel span without a status). Never an InputError: the CLI reports it as an internal
 * error (exit 1) and a batch fails instead of failing one portfolio.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}
