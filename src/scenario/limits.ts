/**
 * Input limits of the scenario language: a scenario is text a person writes or a session
 * records, never megabytes. A module of constants with no imports, so that the UI thread (which
 * checks a file's size before reading it) can use it without taking the parser along.
 */
export const MAX_SCENARIO_CHARS = 2_000_000;
export const MAX_STEPS = 200_000;
export const MAX_LINE_CHARS = 4096;
