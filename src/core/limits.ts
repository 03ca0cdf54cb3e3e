/**
 * The machine's and the language's numeric limits. A module of constants with no imports, so
 * that every layer (the scenario grammar the UI thread loads included) may use them.
 */
export const MAX_VCPUS = 4096;
export const NUM_PINS = 24;
export const MAX_STORM_LIMIT = 1_000_000;
export const MAX_RUN = 1_000_000_000;
/** `run` without N (contract §3). */
export const DEFAULT_RUN_STEPS = 100000;
