/**
 * The machine's and the language's numeric limits. A module of constants with no imports, so
 * that every layer (the scenario grammar the UI thread loads included) may use them.
 */
export const MAX_VCPUS = 4096;
export const NUM_PINS = 24;
export const MAX_STORM_LIMIT = 1_000_000;
export const MAX_RUN = 1_000_000_000;
/** QEMU machine types the SEOIB life knows (`qemu machine=`, R8.10): pc-q35-X.Y, pc-i440fx-X.Y. */
export const MACHINE_RE = /^(pc-q35|pc-i440fx)-(\d{1,2})\.(\d{1,2})$/;
/** The machine type when `qemu machine=` is not given. */
export const DEFAULT_MACHINE = 'pc-q35-10.2';
/** `run` without N (contract §3). */
export const DEFAULT_RUN_STEPS = 100000;
