/**
 * Every trace event of every preset, worked example and conformance scenario: per step, each
 * event's type (the KVM tracepoint or model event name), vCPU, vector, pin and text (the
 * kernel's TP_printk fields), in order; under it, its cause, rule, lane and fields (what the
 * why, the lanes and the Chrome trace export are made from, and what the map's and the fast
 * path's explanations are carried in). The whys themselves are the catalogue's functions of
 * these fields (src/core/events.test.ts). A change here changes what the timeline, the lanes and the trace export
 * show: review it, then update the files with `npx vitest run -u`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';

const root = join(import.meta.dirname, '..');
const DIRS = ['presets', 'scenario/examples', 'core/conformance'];

function sequence(text: string): string[] {
  const out: string[] = [];
  runScenario(mustParse(text), {
    onEvents: (step, events) => {
      for (const e of events)
        out.push(
          `${step} ${e.type} cpu=${e.cpu}${e.vector === undefined ? '' : ` vector=${e.vector}`}${e.pin === undefined ? '' : ` pin=${e.pin}`}: ${e.text}\n` +
            `    cause=${e.cause} rule=${e.rule || '-'} lane=${JSON.stringify(e.lane)} ${JSON.stringify(e.fields)}`,
        );
    },
  });
  return out;
}

describe('event sequence', () => {
  for (const dir of DIRS) {
    it(`${dir}: the events of every step, in order`, async () => {
      const files = readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.apic'))
        .sort();
      const text = files
        .map((f) => `## ${f}\n${sequence(readFileSync(join(root, dir, f), 'utf8')).join('\n')}\n`)
        .join('\n');
      await expect(text).toMatchFileSnapshot(`./__snapshots__/events-${dir.replace(/\//g, '-')}.txt`);
    });
  }
});
