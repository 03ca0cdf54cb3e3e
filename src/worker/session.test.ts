/** The session behind the app: every change goes through the scenario text. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { MUTATING, mustParse } from '../replay/testing.ts';
import { unpackExpects } from './protocol.ts';
import { Session } from './session.ts';
import { stateView } from './view.ts';

const base = 'vcpus 2\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\n';

describe('Session', () => {
  it('keeps the previous session when new text does not parse', () => {
    const s = new Session();
    expect(s.load(base).ok).toBe(true);
    const r = s.load('vcpus 2\nroute 99\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 2, col: 7 });
    expect(s.text).toBe(base);
    expect(s.length).toBe(2);
  });

  it('appends user actions as scenario lines and matches a run of the resulting text', () => {
    const s = new Session();
    s.load(base);
    const r = s.append(['cpu 0 eoi', 'expect count reinjections = 1'], 2);
    expect(r.ok).toBe(true);
    expect(s.text).toBe(`${base}cpu 0 eoi\nexpect count reinjections = 1\n`);
    expect(unpackExpects(s.info().expects)).toEqual([
      { line: 5, afterStep: 3, ok: true, expected: 'count reinjections = 1', actual: '1' },
    ]);
    expect(s.frame(3).view.ioapic.pins[10].remoteIrr).toBe(1);
    const fresh = runScenario(mustParse(s.text));
    expect(s.frame(3).view).toEqual(stateView(fresh.final, [0, 1]));
  });

  it('rejects a bad appended line with its line number and changes nothing', () => {
    const s = new Session();
    s.load(base);
    const r = s.append(['cpu 7 eoi'], 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 4, col: 5 });
    expect(s.text).toBe(base);
  });

  it('acting before the last step discards the later steps (and their notes)', () => {
    const s = new Session();
    s.load(`${base}note "later"\ncpu 0 eoi\ncpu 0 iret\n`);
    expect(s.length).toBe(4);
    const r = s.append(['cpu 0 service 10'], 2);
    expect(r.ok).toBe(true);
    expect(s.text).toBe(`${base}cpu 0 service 10\n`);
    expect(s.length).toBe(3);
  });

  it.skipIf(MUTATING)('runs a long run in chunks; stopping records run K and replays identically', () => {
    const s = new Session();
    s.load(
      'vcpus 1\nkvm storm-limit=1000000\nguest 0 profile=windows\nrun\nroute 5 vector=0xa2 trigger=level dest=0 mask=0\nassert 5\n',
    );
    expect(s.beginRun(100000, s.length).ok).toBe(true);
    let done = false;
    for (let i = 0; i < 3 && !done; i++) done = s.runChunk(1000);
    expect(done).toBe(false);
    expect(s.runProgress?.steps).toBe(3000);
    const r = s.endRun(true);
    expect(r.ok).toBe(true);
    expect(s.text.trim().split('\n').at(-1)).toBe('run 3000');
    const replayed = new Session();
    replayed.load(s.text);
    expect(replayed.frame(replayed.length).view).toEqual(s.frame(s.length).view);
  });

  it('frames carry the step events, the touched vCPUs and the bits that changed', () => {
    const s = new Session();
    s.load(base);
    const f = s.frame(2);
    expect(f.events.some((e) => e.type === 'kvm_apic_accept_irq')).toBe(true);
    expect(f.touched).toEqual([0]);
    expect(f.changes[0].sets.isr).toEqual([0x62]);
    expect(f.changes[0].sets.tmr).toEqual([0x62]);
    expect(f.changedPins).toEqual([10]);
    expect(f.changes[1]).toBeUndefined();
  });

  it.skipIf(MUTATING)('caps the events of a storm step and counts the rest', () => {
    const s = new Session();
    s.load(
      'vcpus 1\nkvm storm-limit=1000000\nguest 0 profile=windows\nrun\nroute 5 vector=0xa2 trigger=level dest=0 mask=0\nassert 5\nrun 20000\n',
    );
    const f = s.frame(s.length);
    expect(f.events.length).toBe(3000);
    expect(f.droppedEvents).toBeGreaterThan(10000);
  });
});

describe('Session against hostile scenario files (fuzz)', () => {
  it.skipIf(MUTATING)(
    '10 000 mutated scenarios: none throws, each is bounded, and an invalid one never changes the session',
    () => {
      const dir = join(import.meta.dirname, '..', 'presets');
      const seeds = readdirSync(dir)
        .filter((f) => f.endsWith('.apic'))
        .map((f) => readFileSync(join(dir, f), 'utf8'));
      const s = new Session();
      s.load(base);
      let valid = 0;
      let invalid = 0;
      let worst = 0;
      fc.assert(
        fc.property(
          fc.constantFrom(...seeds),
          fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'swap-lines', 'cut', 'dup-line')), {
            minLength: 1,
            maxLength: 4,
          }),
          fc.constantFrom(
            '0x',
            '{',
            '}',
            '"',
            '=',
            ' ',
            '\n',
            'cpu 9 ',
            'route ',
            '-1',
            '99999999999',
            'expect ',
            'vcpus 4096\n',
            'run 1000000000',
            '\\',
            '#',
          ),
          (seed, edits, junk) => {
            let t = seed;
            for (const [at, op] of edits) {
              const i = at % (t.length + 1);
              const lines = t.split('\n');
              const l = at % lines.length;
              if (op === 'delete') t = t.slice(0, i) + t.slice(i + 3);
              else if (op === 'insert') t = t.slice(0, i) + junk + t.slice(i);
              else if (op === 'cut') t = t.slice(0, i);
              else if (op === 'dup-line') t = [...lines.slice(0, l), lines[l], ...lines.slice(l)].join('\n');
              else t = [...lines.slice(l), ...lines.slice(0, l)].join('\n');
            }
            // Keep the fuzz fast: a mutation that asks for enormous runs is capped, not dropped.
            t = t.replace(/\brun\s+\d{6,}/g, 'run 5000');
            const before = s.text;
            const t0 = performance.now();
            const r = s.load(t);
            worst = Math.max(worst, performance.now() - t0);
            if (r.ok) {
              valid++;
              expect(s.text).toBe(t);
              expect(s.length).toBe(mustParse(t).steps.length);
              s.load(before);
            } else {
              invalid++;
              expect(r.errors.length).toBeGreaterThan(0);
              for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
              expect(s.text).toBe(before);
            }
          },
        ),
        { numRuns: 10_000 },
      );
      // Both outcomes occur: many mutations still parse, many do not.
      expect(valid).toBeGreaterThan(1000);
      expect(invalid).toBeGreaterThan(1000);
      expect(worst).toBeLessThan(2000);
    },
    300_000,
  );
});

describe('a step appended after trailing notes', () => {
  it('owns those notes: discarding it from an earlier step takes them too', () => {
    const s = new Session();
    expect(s.load('vcpus 1\nmsi dest=0 vector=0x31\nnote "then a second one"\n').ok).toBe(true);
    expect(s.append(['msi dest=0 vector=0x41'], 1).ok).toBe(true);
    expect(s.info().text).toBe(
      'vcpus 1\nmsi dest=0 vector=0x31\nnote "then a second one"\nmsi dest=0 vector=0x41\n',
    );
    // A new action at step 1 discards step 2, its note included.
    expect(s.append(['cpu 0 eoi'], 1).ok).toBe(true);
    expect(s.info().text).toBe('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\n');
  });
});
