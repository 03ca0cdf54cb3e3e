import { describe, expect, it } from 'vitest';
import { readStepComment, withStepComment } from './apicFile.ts';

describe('the step comment of a downloaded .apic (issue 12.11)', () => {
  it('round-trips the text and the step', () => {
    const text = 'vcpus 2\nroute 10 vector=0x62\nassert 10\n';
    const file = withStepComment(text, 2);
    expect(file.split('\n')[0]).toBe('# apicscope: step 2');
    expect(readStepComment(file)).toEqual({ text, step: 2 });
    // Downloading again replaces the comment rather than stacking a second one.
    expect(withStepComment(file, 1)).toBe(withStepComment(text, 1));
    // At the start there is nothing to say: the file is the scenario as it is.
    expect(withStepComment(file, 0)).toBe(text);
  });

  it('a file without one opens at step 0, as it is; a comment elsewhere is just a comment', () => {
    expect(readStepComment('vcpus 1\n')).toEqual({ text: 'vcpus 1\n', step: 0 });
    const later = 'vcpus 1\n# apicscope: step 3\n';
    expect(readStepComment(later)).toEqual({ text: later, step: 0 });
    expect(readStepComment('# apicscope: step 12\r\nvcpus 1\n')).toEqual({ text: 'vcpus 1\n', step: 12 });
  });
});
