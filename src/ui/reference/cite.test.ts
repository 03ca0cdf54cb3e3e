/** Text cut into plain runs and rule citations, for the links into the reference panel. */
import { describe, expect, it } from 'vitest';
import { citationRuns, citeLabel } from './cite.ts';

describe('citationRuns', () => {
  it('cuts a why into text and citations, keeping every character in order', () => {
    const why = 'R5.5 step 6: Fixed RTE: KVM_REQ_SCAN_IOAPIC (see R7.6, §4)';
    const runs = citationRuns(why);
    expect(runs).toEqual([
      { t: 'cite', text: 'R5.5 step 6', targets: [{ id: 'R5.5', sub: '6' }] },
      { t: 'text', text: ': Fixed RTE: KVM_REQ_SCAN_IOAPIC (see ' },
      { t: 'cite', text: 'R7.6', targets: [{ id: 'R7.6', sub: null }] },
      { t: 'text', text: ', ' },
      { t: 'cite', text: '§4', targets: [{ id: '§4', sub: null }] },
      { t: 'text', text: ')' },
    ]);
    expect(runs.map((r) => r.text).join('')).toBe(why);
  });

  it('expands a range into each rule (R8.2–R8.6), one run for the whole range text', () => {
    expect(citationRuns('R8.2–R8.6')).toEqual([
      {
        t: 'cite',
        text: 'R8.2–R8.6',
        targets: ['R8.2', 'R8.3', 'R8.4', 'R8.5', 'R8.6'].map((id) => ({ id, sub: null })),
      },
    ]);
  });

  it('keeps a lettered point with its rule (R5.6 d) and a text with no citation whole', () => {
    expect(citationRuns('storm (R5.6 d)')[1]).toEqual({
      t: 'cite',
      text: 'R5.6 d',
      targets: [{ id: 'R5.6', sub: 'd' }],
    });
    expect(citationRuns('CR8 and IRR3, vector 0x62')).toEqual([
      { t: 'text', text: 'CR8 and IRR3, vector 0x62' },
    ]);
    expect(citationRuns('')).toEqual([]);
  });
});

describe('citeLabel', () => {
  it('names steps and points as the rule book does', () => {
    expect(citeLabel({ id: 'R7.3', sub: '2' })).toBe('R7.3 step 2');
    expect(citeLabel({ id: 'R5.6', sub: 'd' })).toBe('R5.6 d');
    expect(citeLabel({ id: '§4', sub: null })).toBe('§4');
  });
});
