/**
 * Compare's "Compare with" as choices: rows of a `--set` key (from the grammar's setting keys)
 * and one of its values. Turns the rows into settings, or says what is wrong with them.
 */
import type { SettingKey } from '../../scenario/grammar/index.ts';
import { choicesOf, MACHINE_RE, parseNumber, SETTING_KEYS } from '../../scenario/grammar/index.ts';

export interface ChoiceRow {
  /** A setting key (`kvm.stale-eoi-rescan`), or '' before one is chosen. */
  key: string;
  /** One of the key's values, or '' before one is chosen. */
  value: string;
}

/** A Map, not an object: no key may be found on Object.prototype (issue 14). */
const BY_KEY: ReadonlyMap<string, SettingKey> = new Map(SETTING_KEYS.map((s) => [s.key, s]));

/** The keys offered, in the grammar's order (the KVM switches first: they are what compare is for). */
export const COMPARE_KEYS: readonly SettingKey[] = [
  ...SETTING_KEYS.filter((s) => s.key.startsWith('kvm.')),
  ...SETTING_KEYS.filter((s) => !s.key.startsWith('kvm.')),
];

export function settingOf(key: string): SettingKey | undefined {
  return BY_KEY.get(key);
}

/** The words a key's value select offers; [] for a number (typed in). */
export function valuesOf(key: string): readonly string[] {
  const s = BY_KEY.get(key);
  return s ? choicesOf(s.values) : [];
}

/** The rows a list of settings stands for (`kvm.seoib=auto` → key and value). */
export function rowsOf(settings: readonly string[]): ChoiceRow[] {
  return settings.map((s) => {
    const eq = s.indexOf('=');
    return eq < 0 ? { key: s, value: '' } : { key: s.slice(0, eq), value: s.slice(eq + 1) };
  });
}

/** The settings the rows make, or what is wrong with them (the first problem, by row). */
export function settingsOf(
  rows: readonly ChoiceRow[],
): { ok: true; settings: string[] } | { ok: false; error: string } {
  const chosen = rows.filter((r) => r.key !== '' || r.value !== '');
  if (chosen.length === 0)
    return {
      ok: false,
      error: 'Choose a switch and the value column B should have, then Apply (or Close compare).',
    };
  const seen = new Set<string>();
  for (const [i, r] of rows.entries()) {
    if (r.key === '' && r.value === '') continue;
    const n = i + 1;
    const s = BY_KEY.get(r.key);
    if (!s) return { ok: false, error: `Row ${n}: choose a switch.` };
    if (seen.has(r.key)) return { ok: false, error: `Row ${n}: ${r.key} is chosen twice; keep one.` };
    seen.add(r.key);
    if (r.value === '') return { ok: false, error: `Row ${n}: choose a value for ${r.key}.` };
    const k = s.values;
    if (k.kind === 'number') {
      const v = parseNumber(r.value.trim());
      if (v === null)
        return {
          ok: false,
          error: `Row ${n}: ${r.key} needs a number (decimal or 0x hex), not '${r.value}'.`,
        };
      if (v < k.min || v > k.max)
        return { ok: false, error: `Row ${n}: ${r.key} must be ${k.min} to ${k.max}, not ${r.value}.` };
    } else if (k.kind === 'machine') {
      if (!MACHINE_RE.test(r.value.trim().toLowerCase()))
        return { ok: false, error: `Row ${n}: ${r.key} is pc-q35-X.Y or pc-i440fx-X.Y, not '${r.value}'.` };
    } else if (!choicesOf(k).includes(r.value))
      return { ok: false, error: `Row ${n}: ${r.key} is one of ${choicesOf(k).join(', ')}.` };
  }
  return {
    ok: true,
    settings: rows.filter((r) => r.key !== '' || r.value !== '').map((r) => `${r.key}=${r.value.trim()}`),
  };
}
