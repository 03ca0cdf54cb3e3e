/**
 * Completion in the scenario editor, from the grammar's tables (issue 11): statements at the
 * start of a line, a statement's keys and positional words after it, a key's values after
 * `key=`. Pure: the editor asks for the completions at the caret and shows them.
 */
import type { Arg, ValueKind } from '../../scenario/grammar/index.ts';
import {
  ACTION_BY_NAME,
  ACTIONS,
  APICV_STATES,
  CONFIG_BY_NAME,
  CONFIG_STATEMENTS,
  COUNTERS,
  CPU_OP_BY_NAME,
  CPU_OPS,
  CPU_SET_REGS,
  CPU_VALUE_REGS,
  choicesOf,
  EXPECT_SUBJECTS,
  EXPECT_VM_KEYS,
  IOAPIC_FIELDS,
  KVM_SWITCH_BY_KEY,
  OTHER_STATEMENTS,
  SEOIB_MODES,
} from '../../scenario/grammar/index.ts';

export interface Completion {
  /** What the list shows and what is inserted (`kvm`, `vector-hashing=`, `off`). */
  label: string;
  /** A hint beside it: the form, or what it does. */
  detail: string;
}

export interface Completions {
  /** Where in the line (0-based) the word being completed starts; it is replaced. */
  from: number;
  items: Completion[];
}

const item = (label: string, detail: string): Completion => ({ label, detail });

/** Every statement a line can start with. */
const STATEMENTS: readonly Completion[] = [
  ...CONFIG_STATEMENTS.map((s) => item(s.name, s.syntax)),
  ...ACTIONS.map((a) => item(a.name, a.syntax)),
  ...OTHER_STATEMENTS.map((s) => item(s.name, s.syntax)),
];

interface KeyDecl {
  key: string;
  values: ValueKind;
  detail: string;
}

/** What the list says beside a key: a KVM switch's label and rule, else the key's kind. */
function keyDetail(head: string, a: Arg): string {
  const sw = head === 'kvm' ? KVM_SWITCH_BY_KEY.get(a.name) : undefined;
  if (sw) return `${sw.label} (${sw.rule})`;
  const choices = choicesOf(a.values);
  return choices.length ? choices.join('|') : a.values.kind;
}

const words = (line: string) => line.trim().split(/\s+/).filter(Boolean);
const matching = (items: readonly Completion[], prefix: string) => {
  const p = prefix.toLowerCase();
  return items.filter((c) => c.label.toLowerCase().startsWith(p) && c.label.toLowerCase() !== p);
};

/** `key=` completions for the keys not yet on the line, or a key's values after `key=`. */
function keyValue(
  word: string,
  wordStart: number,
  keys: readonly KeyDecl[],
  given: readonly string[],
): Completions {
  const eq = word.indexOf('=');
  if (eq > 0) {
    const k = keys.find((x) => x.key === word.slice(0, eq).toLowerCase());
    const values = k ? choicesOf(k.values) : [];
    return {
      from: wordStart + eq + 1,
      items: matching(
        values.map((v) => item(v, k!.detail)),
        word.slice(eq + 1),
      ),
    };
  }
  const used = new Set(given.map((g) => g.slice(0, g.indexOf('=')).toLowerCase()));
  return {
    from: wordStart,
    items: matching(
      keys.filter((k) => !used.has(k.key)).map((k) => item(`${k.key}=`, k.detail)),
      word,
    ),
  };
}

const argKeys = (head: string, args: readonly Arg[]): KeyDecl[] =>
  args
    .filter((a) => !a.positional)
    .map((a) => ({ key: a.name, values: a.values, detail: keyDetail(head, a) }));

/** The completions at `col` (0-based caret) of `line`. */
export function completionsAt(line: string, col: number): Completions {
  const before = line.slice(0, col);
  // No completion inside a string or after a comment.
  if (before.includes('#') || (before.split('"').length - 1) % 2 === 1) return { from: col, items: [] };
  const wordStart = before.search(/\S*$/);
  const word = before.slice(wordStart);
  const prev = words(before.slice(0, wordStart));
  if (prev.length === 0) return { from: wordStart, items: matching(STATEMENTS, word) };
  const head = prev[0].toLowerCase();
  const given = prev.slice(1).filter((w) => w.includes('='));
  const none = { from: wordStart, items: [] };
  if (head === 'expect') return expectCompletions(prev.slice(1), word, wordStart);
  if (head === 'cpu') {
    if (prev.length === 1) return none;
    if (prev.length === 2)
      return {
        from: wordStart,
        items: matching(
          CPU_OPS.map((o) => item(o.name, o.syntax)),
          word,
        ),
      };
    const op = CPU_OP_BY_NAME.get(prev[2].toLowerCase());
    if (!op) return none;
    const positional = op.args.filter((a) => a.positional);
    if (prev.length - 3 < positional.length && !word.includes('=')) {
      const values = choicesOf(positional[prev.length - 3].values);
      return {
        from: wordStart,
        items: matching(
          values.map((v) => item(v, op.syntax)),
          word,
        ),
      };
    }
    return keyValue(word, wordStart, argKeys('cpu', op.args), given);
  }
  const decl = ACTION_BY_NAME.get(head) ?? CONFIG_BY_NAME.get(head);
  if (!decl) return none;
  const pos = decl.args.filter((a) => a.positional);
  const placed = prev.slice(1).filter((w) => !w.includes('=')).length;
  if (placed < pos.length && !word.includes('=')) {
    // `guest all` is the one word a vCPU index slot also takes.
    const values = head === 'guest' && placed === 0 ? ['all'] : choicesOf(pos[placed].values);
    if (values.length)
      return {
        from: wordStart,
        items: matching(
          values.map((v) => item(v, decl.syntax)),
          word,
        ),
      };
    if (pos[placed].required) return none;
  }
  return keyValue(word, wordStart, argKeys(head, decl.args), given);
}

function expectCompletions(rest: string[], word: string, wordStart: number): Completions {
  const list = (values: readonly { name: string; help: string }[]) => ({
    from: wordStart,
    items: matching(
      values.map((v) => item(v.name, v.help)),
      word,
    ),
  });
  const none = { from: wordStart, items: [] };
  if (rest.length === 0) return list(EXPECT_SUBJECTS.map((s) => ({ name: s, help: 'expect' })));
  const subject = rest[0].toLowerCase();
  if (subject === 'count') {
    if (rest.length === 1) return list(COUNTERS.map((c) => ({ name: c.name, help: c.help })));
    const counter = COUNTERS.find((c) => c.name === rest[1].toLowerCase());
    if (!counter || word.includes('=')) return none;
    const used = new Set(rest.slice(2).map((w) => w.split('=')[0]));
    return list(
      counter.filters.filter((f) => !used.has(f)).map((f) => ({ name: `${f}=`, help: `only this ${f}` })),
    );
  }
  if (subject === 'cpu' && rest.length === 2) return list([...CPU_SET_REGS, ...CPU_VALUE_REGS]);
  if (subject === 'ioapic' && rest.length === 1)
    return list([{ name: 'version', help: 'the VERSION register' }]);
  if (subject === 'ioapic' && rest.length === 2 && rest[1] !== 'version') return list(IOAPIC_FIELDS);
  if (subject === 'kvm' && rest.length === 1)
    return list([
      { name: 'seoib', help: 'the VM’s SEOIB mode' },
      { name: 'apicv', help: 'APICv active, inhibited or off' },
    ]);
  if (subject === 'kvm' && rest.length === 3) {
    const values = rest[1] === 'apicv' ? APICV_STATES : rest[1] === 'seoib' ? SEOIB_MODES : [];
    const help = rest[1] === 'apicv' ? 'APICv state' : 'SEOIB mode';
    return list(values.map((v) => ({ name: v, help })));
  }
  if (subject === 'vm' && rest.length === 1) return list(EXPECT_VM_KEYS);
  if (subject === 'vm' && rest.length === 3) {
    const key = EXPECT_VM_KEYS.find((k) => k.name === rest[1].toLowerCase());
    return list((key?.values ?? []).map((v) => ({ name: v, help: `vm ${key!.name}` })));
  }
  return none;
}
