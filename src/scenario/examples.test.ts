/**
 * The contract's worked examples (design/examples, copied here): each parses, and every one of
 * its `expect` lines holds when it runs. Each example cites the rule it shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failures, mustParse } from '../replay/testing.ts';

const dir = join(import.meta.dirname, 'examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.apic'));

describe('worked examples', () => {
  it('are all here', () => {
    expect(examples.length).toBeGreaterThanOrEqual(17);
  });

  it.each(examples)('%s: every expectation holds', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const written = text.split('\n').filter((l) => /^\s*expect\b/i.test(l)).length;
    // Every expect line is an expectation of the parsed scenario: none is dropped or merged.
    expect(mustParse(text).expects).toHaveLength(written);
    expect(failures(text)).toEqual([]);
  });
});
