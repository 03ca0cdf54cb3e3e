import { describe, expect, it } from 'vitest';
import { showEventText } from './eventText.ts';

describe('showEventText (issue 12.10: vectors in hex on screen)', () => {
  it('rewrites the vectors of kernel-format event text to hex, nothing else', () => {
    expect(showEventText('pin 10 dst 0 vec 98 (Fixed|physical|level)')).toBe(
      'pin 10 dst 0 vec 0x62 (Fixed|physical|level)',
    );
    expect(showEventText('apicid 0 vector 253')).toBe('apicid 0 vector 0xfd');
    expect(showEventText('vec 2 -> vcpu 1')).toBe('vec 0x02 -> vcpu 1');
    // A pin, a destination or a count is not a vector.
    expect(showEventText('pin 10 dst 98 accepted 1')).toBe('pin 10 dst 98 accepted 1');
    expect(showEventText('vector hashing: 98 mod 3')).toBe('vector hashing: 98 mod 3');
  });
});
