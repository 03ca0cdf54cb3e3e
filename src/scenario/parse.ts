/**
 * Parser and validator of the scenario language v1 (scenario-language.md). Every error names
 * its line and column and says what would be right; nothing runs unless the whole text parses.
 */

import type {
  Action,
  CpuOp,
  DeliveryMode,
  DestMode,
  HostChange,
  RteFields,
  Shorthand,
  Trigger,
} from '../core/actions.ts';
import type { Config, GuestProfile, KvmSwitches, VmmConfig } from '../core/config.ts';
import { configProblems, defaultConfig } from '../core/config.ts';
import type { CounterFilter, CounterName } from '../core/counters.ts';
import { hex } from '../core/hex.ts';
import type { CpuSetReg, CpuValueReg, IoapicField } from '../core/inspect.ts';
import { DEFAULT_RUN_STEPS, MAX_RUN, MAX_VCPUS, NUM_PINS } from '../core/limits.ts';
import type { Ask } from './ask.ts';
import { AskError, parseAsk } from './ask.ts';
import type { Check, Expectation, ExploreSpec, Pos, Ref, Scenario, ScenarioError, Step } from './ast.ts';
import { expandAlternatives } from './explore-syntax.ts';
import type { Arg, ValueKind } from './grammar/index.ts';
import {
  ACTION_BY_NAME,
  ACTION_NAMES as ACTION_KEYWORDS,
  APIC_MODES,
  APICV_STATES,
  CONFIG_BY_NAME,
  CONFIG_STATEMENT_NAMES,
  COUNTER_BY_NAME,
  COUNTER_NAMES,
  CPU_OP_BY_NAME,
  CPU_OP_NAMES,
  DELIVERY_MODES,
  DEST_MODES,
  DURATION_RE,
  EXPECT_KVM_KEYS,
  EXPECT_SUBJECTS,
  EXPECT_VM_KEYS,
  EXPLORE_BOUNDS,
  EXPLORE_LIST_WORDS,
  EXPLORE_STATEMENTS,
  emptyExploreSpec,
  IOAPIC_FIELDS as FIELDS,
  formatRange,
  GUEST_PROFILES,
  IRQCHIP_MODES,
  KVM_KEYS,
  KVM_SWITCH_BY_KEY,
  MACHINE_RE,
  MAX_ALTERNATIVES,
  MAX_DURATION_NS,
  NAME_RE,
  ON_OFF,
  OTHER_STATEMENTS,
  POLARITIES,
  parseNumber,
  SEOIB_ALIASES,
  SEOIB_MODES,
  CPU_SET_REGS as SET_REGS,
  SHORTHANDS,
  TRIGGERS,
  UNIT_NS,
  CPU_VALUE_REGS as VALUE_REGS,
  VMM_SETTINGS,
} from './grammar/index.ts';
import type { Token } from './lexer.ts';
import { LexError, tokenize } from './lexer.ts';
import { MAX_LINE_CHARS, MAX_SCENARIO_CHARS, MAX_STEPS } from './limits.ts';

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

class LineError extends Error {
  constructor(
    message: string,
    readonly col: number,
  ) {
    super(message);
  }
}

export { parseNumber };

/** The configuration statements (contract §2), which must come before the first action. */
export const CONFIG_STATEMENTS: readonly string[] = CONFIG_STATEMENT_NAMES;
const CONFIG_SET: ReadonlySet<string> = new Set(CONFIG_STATEMENTS);
const ACTION_STATEMENTS: readonly string[] = ACTION_KEYWORDS;
/**
 * Action keywords and vCPU operations by their lower-case spelling, mapped to the one shared
 * string: the AST keeps these, and a copy per step would cost a string per line.
 */
const ACTION_NAMES: ReadonlyMap<string, string> = new Map(ACTION_STATEMENTS.map((k) => [k, k]));
const CPU_OPS: readonly string[] = CPU_OP_NAMES;
const CPU_OP_WORDS: ReadonlyMap<string, string> = new Map(CPU_OPS.map((k) => [k, k]));
const CPU_SET_REGS: readonly string[] = SET_REGS.map((r) => r.name);
const CPU_VALUE_REGS: readonly string[] = VALUE_REGS.map((r) => r.name);
const IOAPIC_FIELDS: readonly string[] = FIELDS.map((f) => f.name);

/** The closest candidate within two edits, for "did you mean" hints. */
export function suggest(word: string, candidates: readonly string[]): string {
  let best = '';
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function num(tok: Token | undefined, what: string, min: number, max: number, at: number): number {
  if (!tok) throw new LineError(`${what} is missing`, at);
  if (tok.kind !== 'word')
    throw new LineError(
      `${what} must be a number, not ${tok.kind === 'string' ? 'a string' : 'a set'}`,
      tok.col,
    );
  const text = valueText(tok);
  const n = parseNumber(text);
  if (n === null) throw new LineError(`'${text}' is not a number: write decimal (48) or hex (0x30)`, tok.col);
  if (n < min || n > max)
    throw new LineError(`${what} ${text} is out of range ${min}–${formatRange(max)}`, tok.col);
  return n;
}

/**
 * The value a word holds (its `key=` left out). Strings belong to `title`, `note` and `ask`
 * only (contract §1), and a set to the vector-set positions: `what` is refused as either.
 */
function word(tok: Token, what: string): string {
  if (tok.kind !== 'word') throw new LineError(`${what} must be a word, not a ${tok.kind}`, tok.col);
  return valueText(tok);
}

/** For key=value tokens, the value part. */
function valueText(tok: Token): string {
  const eq = tok.text.indexOf('=');
  return eq > 0 ? tok.text.slice(eq + 1) : tok.text;
}

const NO_ALIASES: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * One of `options` (or an alias). Lookups are in arrays and Maps only, never `in` an object:
 * `constructor` or `__proto__` must not be found on Object.prototype (issue 14).
 */
function choice<T extends string>(
  tok: Token | undefined,
  what: string,
  options: readonly T[],
  at: number,
  aliases: ReadonlyMap<string, T> = NO_ALIASES,
): T {
  if (!tok) throw new LineError(`${what} is missing: one of ${options.join(', ')}`, at);
  if (tok.kind !== 'word')
    throw new LineError(`${what} must be one of ${options.join(', ')}, not a ${tok.kind}`, tok.col);
  const text = valueText(tok).toLowerCase();
  if ((options as readonly string[]).includes(text)) return text as T;
  const alias = aliases.get(text);
  if (alias !== undefined) return alias;
  throw new LineError(
    `${what} must be one of ${options.join(', ')}, not '${valueText(tok)}'${suggest(text, options)}`,
    tok.col,
  );
}

function onOff(tok: Token | undefined, what: string, at: number): boolean {
  return choice(tok, what, ON_OFF, at) === 'on';
}

function duration(tok: Token | undefined, at: number): number {
  if (!tok) throw new LineError('wait needs a duration, e.g. 10ms, 500us, 2s', at);
  const m = DURATION_RE.exec(word(tok, 'a duration'));
  if (!m)
    throw new LineError(
      `'${valueText(tok)}' is not a duration: a whole number with a unit ns, us, µs, ms or s (e.g. 10ms)`,
      tok.col,
    );
  const ns = Number(m[1]) * UNIT_NS.get(m[2].toLowerCase())!;
  if (!Number.isSafeInteger(ns) || ns > MAX_DURATION_NS)
    throw new LineError(`duration ${valueText(tok)} is too long (at most 1000000 s)`, tok.col);
  return ns;
}

interface ArgSpec {
  name: string;
  positional?: boolean;
  required?: boolean;
}

/** A statement's arguments, prepared once (the parser runs for every line of large files). */
interface Signature {
  specs: readonly ArgSpec[];
  positional: readonly ArgSpec[];
  names: ReadonlySet<string>;
}

function signature(specs: readonly ArgSpec[]): Signature {
  return { specs, positional: specs.filter((s) => s.positional), names: new Set(specs.map((s) => s.name)) };
}

/** Positional and key=value arguments, each at most once. */
function args(tokens: Token[], from: number, sig: Signature, stmt: string): Map<string, Token> {
  const out = new Map<string, Token>();
  const { specs, positional } = sig;
  let nextPos = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    const eq = t.kind === 'word' ? t.text.indexOf('=') : -1;
    if (eq > 0) {
      const key = t.text.slice(0, eq).toLowerCase();
      if (!sig.names.has(key)) {
        const keys = specs.map((s) => s.name);
        throw new LineError(
          `'${stmt}' has no key '${key}'${suggest(key, keys)}; its keys are ${keys.join(', ')}`,
          t.col,
        );
      }
      if (out.has(key)) throw new LineError(`'${key}' is given twice`, t.col);
      if (eq === t.text.length - 1) throw new LineError(`'${key}=' needs a value`, t.col);
      out.set(key, t);
      continue;
    }
    if (eq === 0) throw new LineError(`unexpected '${t.text}': write key=value without spaces`, t.col);
    while (nextPos < positional.length && out.has(positional[nextPos].name)) nextPos++;
    if (nextPos >= positional.length)
      throw new LineError(
        `unexpected ${t.kind === 'word' ? `'${t.text}'` : `${t.kind}`} after '${stmt}'`,
        t.col,
      );
    out.set(positional[nextPos++].name, t);
  }
  for (const s of specs) {
    if (s.required && !out.has(s.name))
      throw new LineError(
        `'${stmt}' needs ${s.positional ? s.name.toUpperCase() : `${s.name}=…`}`,
        tokens[0].col,
      );
  }
  return out;
}

function vectorSet(tok: Token): number[] {
  const body = tok.text.trim();
  if (body === '') return [];
  const out: number[] = [];
  let col = tok.col + 1;
  for (const part of tok.text.split(',')) {
    const text = part.trim();
    const n = parseNumber(text);
    const at = col + part.indexOf(text);
    if (n === null) throw new LineError(`'${text}' in the set is not a number`, at);
    if (n > 255) throw new LineError(`vector ${text} is out of range 0–255`, at);
    out.push(n);
    col += part.length + 1;
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

const OFF_ONLY = ['off'] as const;
const EOI_ONLY = ['eoi'] as const;

/** An action's or vCPU operation's arguments, as the grammar declares them. */
const argsOf = (decl: { args: readonly Arg[] } | undefined): readonly Arg[] => decl!.args;
const SIG_PIN = signature(argsOf(ACTION_BY_NAME.get('mask')));
const SIG_ROUTE = signature(argsOf(ACTION_BY_NAME.get('route')));
const SIG_IOAPIC_RTE = signature(argsOf(CPU_OP_BY_NAME.get('ioapic-rte')));
const SIG_APIC = signature(argsOf(CONFIG_BY_NAME.get('apic')));
const SIG_X2APIC_API = signature(argsOf(CONFIG_BY_NAME.get('x2apic-api')));
const SIG_MSI = signature(argsOf(ACTION_BY_NAME.get('msi')));
const SIG_IPI = signature(argsOf(ACTION_BY_NAME.get('ipi')));
const SIG_WAIT = signature(argsOf(ACTION_BY_NAME.get('wait')));
const SIG_NAME = signature(argsOf(ACTION_BY_NAME.get('snapshot')));
const SIG_HOST_PV_EOI = signature(argsOf(ACTION_BY_NAME.get('host-pv-eoi')));
const SIG_EXPLORE_BOUNDS = signature(EXPLORE_BOUNDS);
/** `explore`'s second words (grammar/explore.ts). */
const EXPLORE_FORMS: readonly string[] = EXPLORE_STATEMENTS.flatMap((f) => (f.form ? [f.form] : []));
const SIG_RUN = signature(argsOf(ACTION_BY_NAME.get('run')));
const SIG_IOAPIC = signature(argsOf(CONFIG_BY_NAME.get('ioapic')));
const SIG_KVM = signature(argsOf(CONFIG_BY_NAME.get('kvm')));
const SIG_GUEST = signature(argsOf(CONFIG_BY_NAME.get('guest')));

/** Parses and validates a scenario. */
export function parseScenario(text: string): ParseResult {
  if (text.length > MAX_SCENARIO_CHARS)
    return {
      ok: false,
      errors: [
        {
          line: 1,
          col: 1,
          message: `the scenario is ${text.length} characters long; at most ${MAX_SCENARIO_CHARS} are accepted`,
        },
      ],
    };
  const p = new Parser();
  parseLines(p, text, 1, 50);
  if (p.errors.length) return { ok: false, errors: p.errors };
  const scenario = p.finish();
  if (p.errors.length) return { ok: false, errors: p.errors }; // an ask left without its action
  const errors = validateScenario(scenario);
  return errors.length ? { ok: false, errors } : { ok: true, scenario };
}

/**
 * Feeds `text` to the parser line by line, stopping after `maxErrors` errors. No array of all
 * lines: each line is garbage as soon as it is parsed, which halves the collector's work on
 * a 200 000-line file.
 */
function parseLines(p: Parser, text: string, firstLineNo: number, maxErrors: number): void {
  let start = 0;
  let lineNo = firstLineNo;
  for (;;) {
    if (p.errors.length >= maxErrors) return;
    const nl = text.indexOf('\n', start);
    p.line(text.slice(start, nl < 0 ? text.length : nl), lineNo++);
    if (nl < 0) return;
    start = nl + 1;
  }
}

/**
 * Parses `text` as lines appended after scenario `s` (whose text ended at line
 * `firstLineNo - 1`): the new scenario, or the errors of the new lines. `s` is not changed.
 */
export function extendScenario(s: Scenario, text: string, firstLineNo: number): ParseResult {
  const p = Parser.after(s);
  parseLines(p, text, firstLineNo, Number.POSITIVE_INFINITY);
  if (p.errors.length) return { ok: false, errors: p.errors };
  const scenario = p.finish();
  if (p.errors.length) return { ok: false, errors: p.errors }; // an ask left without its action
  // All of the whole text's errors: new configuration can make a line above wrong (a vCPU
  // an expectation names no longer exists), and the whole text would be refused for it.
  const errors = validateScenario(scenario);
  return errors.length ? { ok: false, errors } : { ok: true, scenario };
}

/**
 * Checks what depends on the whole configuration (vCPU indices, IPI destinations, config
 * combinations). Run again after `--set` overrides.
 */
export function validateScenario(s: Scenario): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const posOf = (key: string): Pos | undefined =>
    Object.hasOwn(s.configPos, key) ? s.configPos[key] : undefined;
  for (const p of configProblems(s.config)) {
    const pos = posOf(p.key) ?? posOf(p.key.split(' ')[0]) ?? { line: 1, col: 1 };
    errors.push({ ...pos, message: p.message });
  }
  for (const st of s.steps) checkRefs(st.refs, s, errors);
  for (const e of s.expects) checkRefs(e.refs, s, errors);
  for (const a of s.explore?.actions ?? []) checkRefs(a.refs, s, errors);
  for (const i of s.explore?.invariants ?? []) checkRefs(i.refs, s, errors);
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}

function checkRefs(refs: readonly Ref[], s: Scenario, errors: ScenarioError[]): void {
  for (const r of refs) {
    if (r.kind === 'cpu' && r.value >= s.config.vcpus)
      errors.push({
        line: r.line,
        col: r.col,
        message: `vCPU ${r.value} does not exist: vcpus is ${s.config.vcpus} (0–${s.config.vcpus - 1})`,
      });
    if (r.kind === 'ipi-dest' && s.config.apic === 'xapic' && r.value > 0xff)
      errors.push({
        line: r.line,
        col: r.col,
        message: `ipi dest ${hex(r.value)} is out of range 0–0xff in xAPIC mode`,
      });
  }
}

/**
 * The empty list that most steps share for their notes and refs (one array fewer per step
 * in a 200 000-step file); frozen, so a stray push fails loudly instead of sharing its item.
 */
const NONE = Object.freeze([]) as unknown as never[];

class Parser {
  errors: ScenarioError[] = [];
  private config = defaultConfig();
  private configPos: Record<string, Pos> = {};
  private configNotes: string[] = [];
  private steps: Step[] = [];
  private expects: Expectation[] = [];
  private pendingNotes: string[] = NONE;
  private anyStatement = false;
  private snapshots = new Set<string>();
  private firstAction = 0;
  private refs: Ref[] = NONE;
  private lineNo = 0;
  private pendingNotesLine = 0;
  /** Teaching mode: an `ask` waiting for its action, and its line. */
  private pendingAsk: { ask: Ask; line: number } | null = null;
  /** The `explore` and `invariant` statements, once there is one. */
  private exploreSpec: ExploreSpec | null = null;

  /** Continues after an already parsed scenario, to parse lines appended to it. */
  static after(s: Scenario): Parser {
    const p = new Parser();
    p.config = structuredClone(s.config);
    p.configPos = { ...s.configPos };
    p.configNotes = [...s.configNotes];
    p.steps = [...s.steps];
    p.expects = [...s.expects];
    p.pendingNotes = [...s.trailingNotes];
    p.pendingNotesLine = s.trailingNotesLine ?? 0;
    p.anyStatement = true;
    p.firstAction = s.steps[0]?.line ?? 0;
    for (const st of s.steps) if (st.action.kind === 'snapshot') p.snapshots.add(st.action.name);
    if (s.explore)
      p.exploreSpec = {
        ...s.explore,
        actions: [...s.explore.actions],
        invariants: [...s.explore.invariants],
        pos: { ...s.explore.pos },
      };
    return p;
  }

  line(text: string, lineNo: number): void {
    this.lineNo = lineNo;
    if (text.length > MAX_LINE_CHARS) {
      this.errors.push({
        line: lineNo,
        col: 1,
        message: `line is ${text.length} characters long; at most ${MAX_LINE_CHARS}`,
      });
      return;
    }
    try {
      const tokens = tokenize(text);
      if (tokens.length === 0) return;
      this.lineText = text;
      this.statement(tokens);
    } catch (e) {
      if (e instanceof LineError || e instanceof LexError || e instanceof AskError)
        this.errors.push({ line: lineNo, col: e.col, message: e.message });
      else throw e;
    }
  }

  finish(): Scenario {
    if (this.pendingAsk)
      this.errors.push({ line: this.pendingAsk.line, col: 1, message: 'ask must come before an action' });
    return {
      config: this.config,
      configPos: this.configPos,
      configNotes: this.configNotes,
      steps: this.steps,
      expects: this.expects,
      trailingNotes: this.pendingNotes,
      ...(this.pendingNotes.length ? { trailingNotesLine: this.pendingNotesLine } : {}),
      ...(this.exploreSpec ? { explore: this.exploreSpec } : {}),
    };
  }

  private ref(kind: Ref['kind'], value: number, tok: Token): void {
    const r: Ref = { kind, value, line: this.lineNo, col: tok.col };
    // `[r]`, not `[].push(r)`: a pushed-to empty array reserves 16 slots, kept by every step.
    if (this.refs === NONE) this.refs = [r];
    else this.refs.push(r);
  }

  private statement(tokens: Token[]): void {
    const head = tokens[0];
    if (head.kind !== 'word')
      throw new LineError(
        `a statement starts with a keyword, not ${head.kind === 'string' ? 'a string' : 'a set'}`,
        head.col,
      );
    const kw = head.text.toLowerCase();
    if (kw === 'note') {
      const t = tokens[1];
      if (t?.kind !== 'string')
        throw new LineError('note needs a double-quoted string: note "…"', t?.col ?? head.col);
      if (tokens[2]) throw new LineError('note takes one string', tokens[2].col);
      if (!this.anyStatement) this.configNotes.push(t.text);
      else {
        if (this.pendingNotes.length === 0) {
          this.pendingNotesLine = this.lineNo;
          this.pendingNotes = [t.text];
        } else this.pendingNotes.push(t.text);
      }
      return;
    }
    this.anyStatement = true;
    if (CONFIG_SET.has(kw)) {
      if (this.steps.length > 0)
        throw new LineError(
          `configuration ('${kw}') must come before the first action (line ${this.firstAction})`,
          head.col,
        );
      // Notes followed by configuration describe the configuration (the scenario as a whole).
      // A loop, not push(...notes): a spread of 100 000 notes overflows the stack (issue 14).
      for (const n of this.pendingNotes) this.configNotes.push(n);
      this.pendingNotes = NONE;
      return this.configStatement(kw, tokens);
    }
    if (kw === 'expect') return this.expectStatement(tokens);
    if (kw === 'ask') {
      if (this.pendingAsk)
        throw new LineError(`one ask per step (line ${this.pendingAsk.line} asks already)`, head.col);
      this.pendingAsk = { ask: parseAsk(tokens, parseNumber), line: this.lineNo };
      return;
    }
    if (kw === 'explore') return this.exploreStatement(tokens);
    if (kw === 'invariant') return this.invariantStatement(tokens);
    const actionKw = ACTION_NAMES.get(kw);
    if (actionKw !== undefined) {
      if (this.steps.length >= MAX_STEPS)
        throw new LineError(`a scenario has at most ${MAX_STEPS} actions`, head.col);
      this.refs = NONE;
      const action = this.action(actionKw, tokens);
      if (this.steps.length === 0) this.firstAction = this.lineNo;
      // The step starts at its first note or its ask, whichever is higher up.
      const startLine = Math.min(
        this.pendingNotes.length ? this.pendingNotesLine : this.lineNo,
        this.pendingAsk?.line ?? this.lineNo,
      );
      const step: Step = { action, line: this.lineNo, startLine, notes: this.pendingNotes, refs: this.refs };
      if (this.pendingAsk) step.ask = this.pendingAsk.ask;
      this.pendingAsk = null;
      this.steps.push(step);
      this.pendingNotes = NONE;
      return;
    }
    throw new LineError(
      `unknown statement '${head.text}'${suggest(kw, [...CONFIG_STATEMENTS, ...ACTION_STATEMENTS, ...OTHER_STATEMENTS.map((o) => o.name)])}`,
      head.col,
    );
  }

  private once(key: string, tok: Token, what = key): void {
    if (Object.hasOwn(this.configPos, key))
      throw new LineError(`'${what}' is already set on line ${this.configPos[key].line}`, tok.col);
    this.configPos[key] = { line: this.lineNo, col: tok.col };
  }

  private configStatement(kw: string, t: Token[]): void {
    const c = this.config;
    const at = t[0].col;
    const only = (n: number) => {
      if (t.length > n + 1) throw new LineError(`unexpected '${t[n + 1].text}' after '${kw}'`, t[n + 1].col);
    };
    switch (kw) {
      case 'title': {
        if (t[1]?.kind !== 'string')
          throw new LineError('title needs a double-quoted string: title "…"', t[1]?.col ?? at);
        only(1);
        this.once('title', t[0]);
        c.title = t[1].text;
        return;
      }
      case 'vcpus':
        only(1);
        this.once('vcpus', t[0]);
        c.vcpus = num(t[1], 'vcpus', 1, MAX_VCPUS, at);
        return;
      case 'apic': {
        const a = args(t, 1, SIG_APIC, 'apic');
        this.once('apic', t[0]);
        c.apic = choice(a.get('mode'), 'apic mode', APIC_MODES, at);
        if (a.has('cpuid')) c.apicCpuid = choice(a.get('cpuid'), 'apic cpuid', APIC_MODES, at);
        return;
      }
      case 'x2apic-api': {
        const a = args(t, 1, SIG_X2APIC_API, 'x2apic-api');
        this.once('x2apic-api', t[0]);
        if (a.has('32bit-ids')) c.x2apicApi.ids32 = onOff(a.get('32bit-ids'), '32bit-ids', at);
        if (a.has('broadcast-quirk'))
          c.x2apicApi.broadcastQuirk = onOff(a.get('broadcast-quirk'), 'broadcast-quirk', at);
        return;
      }
      case 'irqchip':
        only(1);
        this.once('irqchip', t[0]);
        c.irqchip = choice(t[1], 'irqchip mode', IRQCHIP_MODES, at);
        return;
      case 'ioapic': {
        const a = args(t, 1, SIG_IOAPIC, 'ioapic');
        this.once('ioapic', t[0]);
        const v = num(a.get('version'), 'IOAPIC version', 0, 0xff, at);
        if (v !== 0x11 && v !== 0x20)
          throw new LineError(
            `IOAPIC version must be 0x11 or 0x20, not ${valueText(a.get('version')!)}`,
            a.get('version')!.col,
          );
        c.ioapicVersion = v;
        return;
      }
      case 'apicv':
        only(1);
        this.once('apicv', t[0]);
        c.apicv = onOff(t[1], 'apicv', at);
        return;
      case 'secure-avic':
        only(1);
        this.once('secure-avic', t[0]);
        c.secureAvic = onOff(t[1], 'secure-avic', at);
        return;
      case 'kvm': {
        if (t.length < 2) throw new LineError(`kvm needs KEY=VALUE settings: ${KVM_KEYS.join(', ')}`, at);
        const a = args(t, 1, SIG_KVM, 'kvm');
        for (const [key, tok] of a) {
          this.once(`kvm ${key}`, tok, `kvm ${key}`);
          setKvmKey(c.kvm, key, tok);
        }
        return;
      }
      case 'qemu':
      case 'host': {
        // The SEOIB life's VMM configuration (R8.8-R8.12): its own block below.
        const a = args(t, 1, kw === 'qemu' ? SIG_QEMU : SIG_HOST, kw);
        if (a.size === 0) throw new LineError(`${kw} needs KEY=VALUE settings`, at);
        if (!Object.hasOwn(this.configPos, kw)) this.configPos[kw] = { line: this.lineNo, col: at };
        for (const [key, tok] of a) {
          this.once(`${kw} ${key}`, tok, `${kw} ${key}`);
          setVmmKey(c.vmm, kw, key, tok);
        }
        return;
      }
      case 'guest': {
        const a = args(t, 1, SIG_GUEST, 'guest');
        const cpuTok = a.get('cpu')!;
        const profile = choice(a.get('profile'), 'profile', GUEST_PROFILES, at) as GuestProfile;
        if (word(cpuTok, "guest's vCPU").toLowerCase() === 'all') {
          if (Object.keys(c.guests).length)
            throw new LineError("'guest all' and 'guest N' do not mix", cpuTok.col);
          this.once('guest all', t[0], 'guest all');
          c.guestAll = profile;
          return;
        }
        if (c.guestAll) throw new LineError("'guest all' and 'guest N' do not mix", cpuTok.col);
        const cpu = num(cpuTok, 'guest CPU (a vCPU index or all)', 0, MAX_VCPUS - 1, at);
        this.once(`guest ${cpu}`, t[0], `guest ${cpu}`);
        c.guests[cpu] = profile;
        return;
      }
    }
  }

  private cpuArg(tok: Token | undefined, at: number): number {
    const cpu = num(tok, 'vCPU', 0, MAX_VCPUS - 1, at);
    this.ref('cpu', cpu, tok!);
    return cpu;
  }

  private action(kw: string, t: Token[]): Action {
    const at = t[0].col;
    switch (kw) {
      case 'route': {
        const a = args(t, 1, SIG_ROUTE, 'route');
        return { kind: 'route', pin: pinArg(a, at), fields: rteFields(a, at) };
      }
      case 'mask':
      case 'unmask':
      case 'assert':
      case 'deassert':
      case 'pulse':
        return { kind: kw, pin: pinArg(args(t, 1, SIG_PIN, kw), at) };
      case 'msi': {
        const a = args(t, 1, SIG_MSI, 'msi');
        return {
          kind: 'msi',
          dest: num(a.get('dest'), 'msi dest', 0, 0xffffffff, at),
          vector: num(a.get('vector'), 'vector', 0, 255, at),
          destMode: a.has('destmode') ? destMode(a.get('destmode'), at) : 0,
          deliveryMode: a.has('delivery') ? delivery(a.get('delivery'), at) : 0,
          trigger: a.has('trigger') ? trigger(a.get('trigger'), at) : 0,
        };
      }
      case 'ipi': {
        const a = args(t, 1, SIG_IPI, 'ipi');
        const dest = a.has('dest') ? num(a.get('dest'), 'ipi dest', 0, 0xffffffff, at) : 0;
        if (a.has('dest')) this.ref('ipi-dest', dest, a.get('dest')!);
        const sh = a.has('shorthand') ? choice(a.get('shorthand'), 'shorthand', SHORTHANDS, at) : 'none';
        return {
          kind: 'ipi',
          from: this.cpuArg(a.get('from'), at),
          vector: num(a.get('vector'), 'vector', 0, 255, at),
          dest,
          destMode: a.has('destmode') ? destMode(a.get('destmode'), at) : 0,
          deliveryMode: a.has('delivery') ? delivery(a.get('delivery'), at) : 0,
          shorthand: SHORTHANDS.indexOf(sh) as Shorthand,
        };
      }
      case 'wait': {
        const a = args(t, 1, SIG_WAIT, 'wait');
        return { kind: 'wait', ns: duration(a.get('duration'), at) };
      }
      case 'snapshot':
      case 'restore':
      case 'savevm':
      case 'loadvm': {
        const a = args(t, 1, SIG_NAME, kw);
        const tok = a.get('name')!;
        const name = word(tok, 'a snapshot name');
        if (!NAME_RE.test(name))
          throw new LineError(
            `snapshot name '${name}' may use only letters, digits, '_', '.' and '-'`,
            tok.col,
          );
        const restore = kw === 'restore' || kw === 'loadvm';
        if (restore && !this.snapshots.has(name))
          throw new LineError(
            `${kw} ${name}: no '${kw === 'loadvm' ? 'savevm' : 'snapshot'} ${name}' above this line`,
            tok.col,
          );
        this.snapshots.add(name);
        // savevm / loadvm are QEMU's words for the same actions (issue 9), printed as written.
        if (kw === 'savevm') return { kind: 'snapshot', name, as: 'savevm' };
        if (kw === 'loadvm') return { kind: 'restore', name, as: 'loadvm' };
        return { kind: kw, name };
      }
      case 'host-pv-eoi': {
        const a = args(t, 1, SIG_HOST_PV_EOI, 'host-pv-eoi');
        choice(a.get('state'), 'host-pv-eoi state', OFF_ONLY, at);
        return { kind: 'host-pv-eoi', cpu: this.cpuArg(a.get('cpu'), at) };
      }
      case 'run': {
        const a = args(t, 1, SIG_RUN, 'run');
        return {
          kind: 'run',
          n: a.has('n') ? num(a.get('n'), 'run steps', 0, MAX_RUN, at) : DEFAULT_RUN_STEPS,
        };
      }
      case 'cpu': {
        const cpu = this.cpuArg(t[1], at);
        return { kind: 'cpu', cpu, op: this.cpuOp(t, at) };
      }
      case 'reboot':
      case 'power-on':
      case 'migrate':
      case 'kvm-set-x2apic-api':
        return lifeAction(kw, t);
    }
    throw new LineError(`unknown action '${kw}'`, at);
  }

  private cpuOp(t: Token[], at: number): CpuOp {
    const opTok = t[2];
    if (opTok?.kind !== 'word')
      throw new LineError(`'cpu C' needs an operation: ${CPU_OPS.join(', ')}`, opTok?.col ?? at);
    const lower = opTok.text.toLowerCase();
    const op = CPU_OP_WORDS.get(lower) ?? lower;
    switch (op) {
      case 'eoi':
      case 'iret':
      case 'sti':
      case 'cli':
      case 'exit':
        cpuOpRest(t, 0, op);
        return { op };
      case 'tpr':
      case 'apic-id':
      case 'ldr':
      case 'dfr':
      case 'spiv':
      case 'ioapic-eoi':
        cpuOpRest(t, 1, op);
        return { op, value: num(t[3], `${op} value`, 0, 0xffffffff, opTok.col) };
      case 'seoib':
      case 'pv-eoi':
        cpuOpRest(t, 1, op);
        return { op, on: onOff(t[3], `cpu C ${op}`, opTok.col) };
      case 'service':
        cpuOpRest(t, 1, op);
        return { op, pin: num(t[3], 'pin', 0, NUM_PINS - 1, opTok.col) };
      case 'ioapic-rte': {
        const a = args(t, 3, SIG_IOAPIC_RTE, 'cpu C ioapic-rte');
        return {
          op,
          pin: num(a.get('pin'), 'pin', 0, NUM_PINS - 1, opTok.col),
          fields: rteFields(a, opTok.col),
        };
      }
      case 'rdmsr':
        cpuOpRest(t, 1, op);
        choice(t[3], 'rdmsr register', EOI_ONLY, opTok.col);
        return { op: 'rdmsr-eoi' };
    }
    throw new LineError(
      `unknown vCPU operation '${opTok.text}'${suggest(op, CPU_OPS)}; one of ${CPU_OPS.join(', ')}`,
      opTok.col,
    );
  }

  private lineText = '';

  private expectStatement(raw: Token[]): void {
    const check = this.expectation(raw);
    this.expects.push({
      line: this.lineNo,
      afterStep: this.steps.length,
      check,
      refs: this.refs,
      text: sourceOfExpectation(this.lineText, raw),
    });
  }

  private spec(): ExploreSpec {
    if (!this.exploreSpec) this.exploreSpec = emptyExploreSpec();
    return this.exploreSpec;
  }

  /** `invariant CHECK`: the `expect` forms, checked by the explorer after every step it takes. */
  private invariantStatement(raw: Token[]): void {
    const check = this.expectation(raw, 'invariant');
    this.spec().invariants.push({
      line: this.lineNo,
      check,
      text: sourceOfExpectation(this.lineText, raw),
      refs: this.refs,
    });
  }

  /** `explore depth=N max-states=M`, `explore actions KIND…`, `explore action ACTION`, `explore lints NAME…`. */
  private exploreStatement(t: Token[]): void {
    const at = t[0].col;
    const x = this.spec();
    const once = (key: string, tok: Token) => {
      if (Object.hasOwn(x.pos, key))
        throw new LineError(`'explore ${key}' is already set on line ${x.pos[key].line}`, tok.col);
      x.pos[key] = { line: this.lineNo, col: tok.col };
    };
    const sub = t[1];
    if (sub?.kind !== 'word')
      throw new LineError(
        "explore needs depth=N, max-states=M, 'actions KIND…', 'action ACTION' or 'lints NAME…'",
        sub?.col ?? at,
      );
    if (sub.text.includes('=')) {
      const a = args(t, 1, SIG_EXPLORE_BOUNDS, 'explore');
      for (const b of EXPLORE_BOUNDS) {
        const tok = a.get(b.name);
        if (!tok) continue;
        once(b.name, tok);
        const n = num(tok, `explore ${b.name}`, b.values.min, b.values.max, at);
        if (b.name === 'depth') x.depth = n;
        else x.maxStates = n;
      }
      return;
    }
    const what = sub.text.toLowerCase();
    const names = EXPLORE_LIST_WORDS.get(what);
    if (names) {
      once(what, sub);
      const words = t.slice(2);
      if (words.length === 0)
        throw new LineError(`explore ${what} needs one or more of ${names.join(', ')}, or none`, sub.col);
      const list: string[] = [];
      for (const w of words) {
        const word = w.text.toLowerCase();
        if (w.kind === 'word' && word === 'none' && words.length === 1) break;
        if (w.kind !== 'word' || !names.includes(word))
          throw new LineError(
            `explore ${what} takes ${names.join(', ')} or none, not '${w.text}'${suggest(word, names)}`,
            w.col,
          );
        if (list.includes(word)) throw new LineError(`'${word}' is given twice`, w.col);
        list.push(word);
      }
      if (what === 'actions') x.kinds = list;
      else x.lints = list;
      return;
    }
    if (EXPLORE_BOUNDS.some((b) => b.name === what))
      throw new LineError(`explore ${what} needs a value: ${what}=N`, sub.col);
    if (what !== 'action')
      throw new LineError(
        `explore takes depth=, max-states=, actions, action or lints, not '${sub.text}'${suggest(what, [...EXPLORE_FORMS, ...EXPLORE_BOUNDS.map((b) => b.name)])}`,
        sub.col,
      );
    const body = t.slice(2);
    const kwTok = body[0];
    if (kwTok?.kind !== 'word')
      throw new LineError('explore action needs an action, e.g. assert 3|4', sub.col);
    const kw = ACTION_NAMES.get(kwTok.text.toLowerCase());
    if (kw === undefined || kw === 'snapshot')
      throw new LineError(
        `explore action takes an action (${ACTION_STATEMENTS.filter((k) => k !== 'snapshot').join(', ')}), not '${kwTok.text}'`,
        kwTok.col,
      );
    const variants = expandAlternatives(body);
    if (!variants)
      throw new LineError(`explore action expands to more than ${MAX_ALTERNATIVES} actions`, kwTok.col);
    const refs: Ref[] = [];
    const actions = variants.map((v) => {
      for (const w of v)
        if (w.kind === 'word' && (w.text === '' || w.text.endsWith('=')))
          throw new LineError("an alternative is empty: write 'a|b' with a value on each side", w.col);
      this.refs = NONE;
      const a = this.action(kw, v);
      for (const r of this.refs) refs.push(r);
      return a;
    });
    const last = body[body.length - 1];
    const end = last.col - 1 + last.text.length;
    x.actions.push({
      line: this.lineNo,
      text: this.lineText.slice(kwTok.col - 1, end).replace(/\s+/g, ' '),
      actions,
      refs,
    });
  }

  /** The check of an `expect` (or `invariant`) line; its vCPU references in this.refs. */
  private expectation(raw: Token[], keyword = 'expect'): Check {
    const t = splitOperators(raw);
    const at = t[0].col;
    this.refs = NONE;
    const what = t[1];
    if (what?.kind !== 'word')
      throw new LineError(`${keyword} needs a subject: cpu, ioapic, kvm, vm or count`, what?.col ?? at);
    const subject = what.text.toLowerCase();
    let check: Check;
    if (subject === 'cpu') check = this.expectCpu(t, at);
    else if (subject === 'ioapic') check = this.expectIoapic(t, at);
    else if (subject === 'kvm') {
      const key = t[2]?.text.toLowerCase() ?? '';
      if (key !== 'seoib' && key !== 'apicv') {
        glued(t[2], EXPECT_KVM_KEYS);
        throw new LineError(
          `${keyword} kvm needs a key: ${EXPECT_KVM_KEYS.join(', ')}${t[2] ? suggest(key, EXPECT_KVM_KEYS) : ''}`,
          t[2]?.col ?? at,
        );
      }
      op(t[3], ['='], at);
      end(t, 5);
      if (key === 'apicv') {
        const value = choice(t[4], 'APICv state', APICV_STATES, at);
        check = { kind: 'kvm-apicv', value };
      } else {
        const value = choice(t[4], 'SEOIB mode', SEOIB_MODES, at, SEOIB_ALIASES);
        check = { kind: 'kvm-seoib', value };
      }
    } else if (subject === 'count') check = this.expectCount(t, at);
    else if (subject === 'vm') check = expectVm(t, at);
    else
      throw new LineError(
        `${keyword} cpu, ioapic, kvm, vm or count, not '${what.text}'${suggest(subject, EXPECT_SUBJECTS)}`,
        what.col,
      );
    return check;
  }

  private expectCpu(t: Token[], at: number): Check {
    const cpu = this.cpuArg(t[2], at);
    const regTok = t[3];
    if (!regTok) throw new LineError(`${keywordOf(t)} cpu C needs a register`, at);
    const reg = regTok.text.toLowerCase();
    if (CPU_SET_REGS.includes(reg)) {
      const o = op(t[4], ['=', 'has', 'lacks'], at);
      end(t, 6);
      const val = t[5];
      if (!val)
        throw new LineError(
          `${keywordOf(t)} cpu C ${reg} ${o} needs a ${o === '=' ? 'set, e.g. {0x30, 0x62}' : 'vector'}`,
          t[4].col,
        );
      if (o === '=') {
        if (val.kind !== 'set')
          throw new LineError(`'${reg} =' compares with a set: write {${val.text}}`, val.col);
        return { kind: 'cpu-set', cpu, reg: reg as CpuSetReg, op: o, vectors: vectorSet(val) };
      }
      return {
        kind: 'cpu-set',
        cpu,
        reg: reg as CpuSetReg,
        op: o,
        vectors: [num(val, 'vector', 0, 255, at)],
      };
    }
    if (CPU_VALUE_REGS.includes(reg)) {
      op(t[4], ['='], at);
      end(t, 6);
      const val = t[5];
      if (reg === 'stale' && val?.kind === 'word' && val.text === '-1')
        return { kind: 'cpu-value', cpu, reg: 'stale', value: -1 };
      const max = reg === 'if' || reg === 'pv-eoi-pending' ? 1 : reg === 'stale' ? 255 : 0xffffffff;
      return {
        kind: 'cpu-value',
        cpu,
        reg: reg as CpuValueReg,
        value: num(val, `${reg} value`, 0, max, t[4].col),
      };
    }
    const all = [...CPU_SET_REGS, ...CPU_VALUE_REGS];
    glued(regTok, all);
    throw new LineError(
      `unknown vCPU register '${regTok.text}'${suggest(reg, all)}; one of ${all.join(', ')}`,
      regTok.col,
    );
  }

  private expectIoapic(t: Token[], at: number): Check {
    const second = t[2];
    if (second?.text.toLowerCase() === 'version') {
      op(t[3], ['='], at);
      end(t, 5);
      return { kind: 'ioapic-version', value: num(t[4], 'version', 0, 0xffffffff, at) };
    }
    const pin = num(second, 'pin', 0, NUM_PINS - 1, at);
    const fTok = t[3];
    const field = fTok?.text.toLowerCase() ?? '';
    if (!IOAPIC_FIELDS.includes(field)) {
      glued(fTok, IOAPIC_FIELDS);
      throw new LineError(
        `${keywordOf(t)} ioapic PIN needs a field: ${IOAPIC_FIELDS.join(', ')}${fTok ? suggest(field, IOAPIC_FIELDS) : ''}`,
        fTok?.col ?? at,
      );
    }
    op(t[4], ['='], at);
    end(t, 6);
    const val = t[5];
    if (field === 'trigger' && val && /^(edge|level)$/i.test(val.text))
      return { kind: 'ioapic', pin, field, value: val.text.toLowerCase() === 'level' ? 1 : 0 };
    const max =
      field === 'vector' || field === 'dest'
        ? 255
        : field === 'trigger' ||
            field === 'mask' ||
            field === 'remote-irr' ||
            field === 'irr' ||
            field === 'line'
          ? 1
          : 0xffffffff;
    return {
      kind: 'ioapic',
      pin,
      field: field as IoapicField,
      value: num(val, `${field} value`, 0, max, t[4].col),
    };
  }

  private expectCount(t: Token[], at: number): Check {
    const nameTok = t[2];
    const name = nameTok?.text.toLowerCase() ?? '';
    if (!(COUNTER_NAMES as readonly string[]).includes(name)) {
      glued(nameTok, COUNTER_NAMES);
      throw new LineError(
        `${keywordOf(t)} count needs a counter: ${COUNTER_NAMES.join(', ')}${nameTok ? suggest(name, COUNTER_NAMES) : ''}`,
        nameTok?.col ?? at,
      );
    }
    const allowed: readonly CounterFilter[] = COUNTER_BY_NAME.get(name)!.filters;
    const filter: Partial<Record<CounterFilter, number>> = {};
    let i = 3;
    for (; i < t.length; i++) {
      const tok = t[i];
      const eq = tok.kind === 'word' && /^[a-z]+=/i.test(tok.text) ? tok.text.indexOf('=') : -1;
      if (eq <= 0) break;
      const key = tok.text.slice(0, eq).toLowerCase() as CounterFilter;
      if (!['cpu', 'vector', 'pin'].includes(key))
        throw new LineError(`unknown counter filter '${key}': cpu, vector or pin`, tok.col);
      if (!allowed.includes(key))
        throw new LineError(
          `counter ${name} has no '${key}' filter${allowed.length ? `; it carries ${allowed.join(', ')}` : '; it carries none'}`,
          tok.col,
        );
      if (Object.hasOwn(filter, key)) throw new LineError(`'${key}' is given twice`, tok.col);
      filter[key] =
        key === 'cpu' ? this.cpuArg(tok, at) : num(tok, key, 0, key === 'pin' ? NUM_PINS - 1 : 255, at);
    }
    const o = op(t[i], ['=', '>=', '<='], at);
    end(t, i + 2);
    return {
      kind: 'count',
      name: name as CounterName,
      filter,
      op: o,
      value: num(t[i + 1], 'count', 0, Number.MAX_SAFE_INTEGER, t[i]!.col),
    };
  }
}

/** An expectation as written: the words after `expect`, the comment dropped, spaces collapsed. */
function sourceOfExpectation(line: string, tokens: Token[]): string {
  // A checked expectation ends with a word or a set (no form takes a string).
  const last = tokens[tokens.length - 1];
  const end = last.kind === 'set' ? line.indexOf('}', last.col - 1) + 1 : last.col - 1 + last.text.length;
  const start = tokens[1] ? tokens[1].col - 1 : end;
  return line.slice(start, end).replace(/\s+/g, ' ');
}

/** `kvm KEY=VALUE`: the switch's value, read as its grammar row says (args() checked the key). */
function setKvmKey(k: KvmSwitches, key: string, tok: Token): void {
  const sw = KVM_SWITCH_BY_KEY.get(key)!;
  (k as unknown as Record<string, unknown>)[sw.field] = switchValue(tok, key, sw.values);
}

function switchValue(tok: Token, what: string, kind: ValueKind): boolean | string | number {
  const at = tok.col;
  switch (kind.kind) {
    case 'on-off':
      return onOff(tok, what, at);
    case 'enum':
      return choice(tok, what, kind.values, at, kind.aliases);
    case 'number':
      return num(tok, what, kind.min, kind.max, at);
    default:
      throw new LineError(`${what}: a switch of kind ${kind.kind} has no reader`, at);
  }
}

/** The RTE fields of `route` and `cpu C ioapic-rte`; unspecified fields keep their value. */
function rteFields(a: Map<string, Token>, at: number): Partial<RteFields> {
  const fields: Partial<RteFields> = {};
  if (a.has('vector')) fields.vector = num(a.get('vector'), 'vector', 0, 255, at);
  if (a.has('trigger')) fields.trigger = trigger(a.get('trigger'), at);
  if (a.has('dest')) fields.dest = num(a.get('dest'), 'RTE dest', 0, 255, at);
  if (a.has('destmode')) fields.destMode = destMode(a.get('destmode'), at);
  if (a.has('delivery')) fields.deliveryMode = delivery(a.get('delivery'), at);
  if (a.has('mask')) fields.mask = num(a.get('mask'), 'mask', 0, 1, at) as 0 | 1;
  if (a.has('polarity'))
    fields.polarity = choice(a.get('polarity'), 'polarity', POLARITIES, at) === 'low' ? 1 : 0;
  return fields;
}

function trigger(tok: Token | undefined, at: number): Trigger {
  return choice(tok, 'trigger', TRIGGERS, at) === 'level' ? 1 : 0;
}

function destMode(tok: Token | undefined, at: number): DestMode {
  return choice(tok, 'destmode', DEST_MODES, at) === 'logical' ? 1 : 0;
}

function delivery(tok: Token | undefined, at: number): DeliveryMode {
  return choice(tok, 'delivery', DELIVERY_MODES, at) === 'lowest' ? 1 : 0;
}

function pinArg(a: Map<string, Token>, at: number): number {
  return num(a.get('pin'), 'pin', 0, NUM_PINS - 1, at);
}

/** `cpu C OP` takes `n` operands: anything after them is an error. */
function cpuOpRest(t: Token[], n: number, op: string): void {
  if (t.length > 3 + n)
    throw new LineError(`unexpected '${t[3 + n].text}' after 'cpu C ${op}'`, t[3 + n].col);
}

function op<T extends string>(tok: Token | undefined, ops: readonly T[], at: number): T {
  const text = tok?.text.toLowerCase();
  if (tok?.kind !== 'word' || !(ops as readonly string[]).includes(text!))
    throw new LineError(
      `expected ${ops.map((o) => `'${o}'`).join(' or ')}${tok ? `, not ${tok.kind === 'word' ? `'${tok.text}'` : `a ${tok.kind}`}` : ''}`,
      tok?.col ?? at,
    );
  return text as T;
}

function end(t: Token[], n: number): void {
  if (t.length > n) throw new LineError(`unexpected '${t[n].text}' at the end of the expectation`, t[n].col);
}

/** `expect` or `invariant`, as the expectation's line has it (its messages name it). */
function keywordOf(t: Token[]): string {
  return t[0].text.toLowerCase();
}

/**
 * `seoib=quirked` where an expectation wants `seoib = quirked` (a key of `keys` glued to its
 * operator): say that, rather than call the key unknown.
 */
function glued(tok: Token | undefined, keys: readonly string[]): void {
  const m = tok?.kind === 'word' ? /^(.+?)(>=|<=|=)(.*)$/.exec(tok.text) : null;
  if (m && keys.includes(m[1].toLowerCase()))
    throw new LineError(`put spaces around '${m[2]}': ${m[1]} ${m[2]} ${m[3]}`, tok!.col);
}

/** `=5`, `>=3`, `<=0x10`: split a glued operator from its value. */
function splitOperators(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    const m = t.kind === 'word' ? /^(>=|<=|=)(.+)$/.exec(t.text) : null;
    if (m) {
      out.push({ kind: 'word', text: m[1], col: t.col });
      out.push({ kind: 'word', text: m[2], col: t.col + m[1].length });
    } else out.push(t);
  }
  return out;
}

export type { Config };

// --- the SEOIB life (issue 9, R8.8-R8.12): `qemu`, `host`, `reboot`, `power-on`, `migrate`,
// `kvm-set-x2apic-api`, `expect vm`; their words and keys are the grammar's ---------------------

const SIG_QEMU = signature(argsOf(CONFIG_BY_NAME.get('qemu')));
const SIG_HOST = signature(argsOf(CONFIG_BY_NAME.get('host')));
const SIG_REBOOT = signature(argsOf(ACTION_BY_NAME.get('reboot')));
const SIG_POWER_ON = signature(argsOf(ACTION_BY_NAME.get('power-on')));
const SIG_MIGRATE = signature(argsOf(ACTION_BY_NAME.get('migrate')));
const SIG_CAP = signature(argsOf(ACTION_BY_NAME.get('kvm-set-x2apic-api')));
const VM_KEY_NAMES: readonly string[] = EXPECT_VM_KEYS.map((k) => k.name);

function machineArg(tok: Token): string {
  const v = word(tok, 'a machine type').toLowerCase();
  if (!MACHINE_RE.test(v))
    throw new LineError(`machine type '${valueText(tok)}' is not pc-q35-X.Y or pc-i440fx-X.Y`, tok.col);
  return v;
}

/** One argument's value as its grammar row's kind reads it (enum, on/off or machine type). */
function vmmValue(tok: Token, what: string, kind: ValueKind): string | boolean {
  if (kind.kind === 'machine') return machineArg(tok);
  return switchValue(tok, what, kind) as string | boolean;
}

/** `qemu KEY=VALUE` / `host KEY=VALUE`: the setting's value, read as its grammar row says. */
function setVmmKey(v: VmmConfig, statement: string, key: string, tok: Token): void {
  const row = VMM_SETTINGS.find((s) => s.statement === statement && s.key === key)!;
  const what = statement === 'host' ? `host ${key}` : key;
  (v as unknown as Record<string, unknown>)[row.field] = vmmValue(tok, what, row.values);
}

function lifeAction(kw: 'reboot' | 'power-on' | 'migrate' | 'kvm-set-x2apic-api', t: Token[]): Action {
  switch (kw) {
    case 'reboot':
      args(t, 1, SIG_REBOOT, kw);
      return { kind: 'reboot' };
    case 'kvm-set-x2apic-api': {
      const a = args(t, 1, SIG_CAP, kw);
      const kind = ACTION_BY_NAME.get(kw)!.args[0].values;
      return {
        kind: kw,
        seoib: vmmValue(a.get('seoib')!, 'seoib flags', kind) as 'enable' | 'disable' | 'both',
      };
    }
    case 'power-on':
    case 'migrate': {
      const sig = kw === 'migrate' ? SIG_MIGRATE : SIG_POWER_ON;
      const a = args(t, 1, sig, kw);
      const host: Record<string, string> = {};
      for (const spec of ACTION_BY_NAME.get(kw)!.args) {
        const tok = a.get(spec.name);
        if (tok) host[spec.name] = vmmValue(tok, spec.name, spec.values) as string;
      }
      return { kind: kw, host: host as HostChange };
    }
  }
}

function expectVm(t: Token[], at: number): Check {
  const keyTok = t[2];
  const key = keyTok?.text.toLowerCase() ?? '';
  const row = EXPECT_VM_KEYS.find((k) => k.name === key);
  if (!row) {
    glued(keyTok, VM_KEY_NAMES);
    throw new LineError(
      `${keywordOf(t)} vm needs a key: ${VM_KEY_NAMES.join(', ')}${keyTok ? suggest(key, VM_KEY_NAMES) : ''}`,
      keyTok?.col ?? at,
    );
  }
  op(t[3], ['='], at);
  end(t, 5);
  if (row.values === null)
    return { kind: 'vm', key: row.name, value: String(num(t[4], row.name, 0, MAX_STEPS, at)) };
  return { kind: 'vm', key: row.name, value: choice(t[4], `vm ${row.name}`, row.values, at) };
}
