/** A command line that cannot be run as given: exit code 2, like bad input. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * What a command ends with when its exit code is not 0: `pmbt run` finishes and writes every report
 * yet exits EXIT_SOME_FAILED when some portfolios failed, so a script cannot mistake it for a clean run.
 */
export interface CommandOutput {
  stdout: string;
  exitCode: number;
}

/** Exit codes: 0 all done, 1 internal error, 2 bad input or usage, 3 the job ran but some portfolios failed. */
export const EXIT_SOME_FAILED = 3;
