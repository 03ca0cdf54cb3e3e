/**
 * A downloaded .apic file carries the step it was at in its first line, a comment the loader
 * understands (docs/language.md, "The step comment"): `# apicscope: step 3`. To the language it
 * is an ordinary comment, so the command line runs the file as before.
 */

const STEP_COMMENT = /^# apicscope: step (\d+)[ \t]*\r?\n/;

/** The file's text for `text` shown at `step` (at step 0, the start, the text as it is). */
export function withStepComment(text: string, step: number): string {
  const plain = text.replace(STEP_COMMENT, '');
  return step > 0 ? `# apicscope: step ${step}\n${plain}` : plain;
}

/** A file's scenario text without its step comment, and the step it names (0 without one). */
export function readStepComment(file: string): { text: string; step: number } {
  const m = STEP_COMMENT.exec(file);
  return m ? { text: file.slice(m[0].length), step: Number(m[1]) } : { text: file, step: 0 };
}
