/**
 * The one place the fast kernel's numeric tolerance is stated (docs/architecture.md "Parity contract"): a number the
 * kernel reports (a timeline's uniMMR, equity or maintenance margin, a minimum uniMMR) is within
 * this relative distance of the exact engine's, or within it absolutely for values below 1.
 * Decisions (statuses, events, liquidations) are not subject to it: they are always exact.
 */
export const PARITY_TOLERANCE = 1e-9;
