/**
 * Share links: the session as a URL fragment (nothing reaches a server). Format v=1:
 *
 *   v=1&k=STEP[&e=EVENT][&view=VIEW][&c=KEY=VALUE,…][&p=CPU,…][&pins=all]&s=MODE PAYLOAD[&h=CRC]
 *
 * (docs/share-links.md). `h`, last, is the CRC-32 of all the fragment before it; links made
 * before it existed have none and decode exactly as they did.
 * `c` turns on the compare view: the same scenario with these configuration settings (the
 * command line's --set syntax, e.g. kvm.stale-eoi-rescan=off) in a second column.
 * MODE `t`: PAYLOAD is the scenario's UTF-8 bytes in base64url; MODE `z`: the same bytes
 * raw-DEFLATEd (level 9) against the frozen v=1 dictionary, in base64url. Either way the bytes
 * end with the CRC-32 of the text (4 bytes, big-endian), so a damaged link is refused rather
 * than decoded into some other scenario. The shorter form wins (`t` on a tie), so the same
 * session always gives the same link. Decoding is bounded in input
 * size, output size and time, validates every field, and returns a message instead of throwing.
 */
import { deflateSync, Inflate } from 'fflate';
import { MAX_SCENARIO_CHARS } from '../scenario/limits.ts';
import { DICTIONARY_V1 } from './dictionary-v1.ts';

export const URL_VERSION = 1;
/** Longest fragment accepted: far above any real session (a 1000-step one is under 8000). */
export const MAX_FRAGMENT_CHARS = 256 * 1024;
/** Longest scenario a link may expand to, in bytes (as the editor accepts). */
export const MAX_TEXT_BYTES = MAX_SCENARIO_CHARS * 2;

export const VIEWS = ['timeline', 'scenario', 'config'] as const;
export type View = (typeof VIEWS)[number];

export interface ShareState {
  text: string;
  step: number;
  /** A sub-step: the event of step `step` whose state is shown (absent: the whole step). */
  event?: number;
  view?: View;
  /** Compare mode: the configuration settings of the second column (`--set` syntax). */
  compare?: string[];
  /** vCPUs pinned as full cards (a view setting, for VMs with more vCPUs than get cards). */
  pinned?: number[];
  /** The IOAPIC table shows all 24 pins. */
  allPins?: boolean;
}

/** Most pinned vCPUs a link carries (the app keeps at most 12). */
export const MAX_PINNED = 12;

/** One compare setting: `key=value` as the command line's --set takes it. */
const SETTING_RE = /^[a-z][a-z0-9.-]{0,40}=[a-z0-9][a-z0-9-]{0,19}$/i;
export const MAX_COMPARE_SETTINGS = 16;

export type DecodeResult = { ok: true; state: ShareState } | { ok: false; error: string };

/** Made on first use: the page's thread composes fragments but never (de)compresses, so its bundle leaves the dictionary out. */
let dictionaryBytes: Uint8Array | null = null;
const dictionary = () => (dictionaryBytes ??= new TextEncoder().encode(DICTIONARY_V1));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += B64[n & 63];
  }
  return out;
}

/** Strict base64url (no padding): null if any character or the length is impossible. */
export function fromBase64url(s: string): Uint8Array | null {
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    const chunk = Math.min(4, s.length - i);
    for (let j = 0; j < 4; j++) {
      const c = j < chunk ? s.charCodeAt(i + j) : 65;
      const v = c < 128 ? B64_INDEX[c] : -1;
      if (v < 0) return null;
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (chunk > 2) out[o++] = (n >> 8) & 255;
    if (chunk > 3) out[o++] = n & 255;
  }
  return out;
}

/** Slicing-by-8 tables: table k advances the CRC over a byte followed by k zero bytes. */
const CRC_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 255];
  return t;
})();

/**
 * CRC-32 (IEEE, as zlib's crc32), eight bytes a round: a link that expands to 4 MB is
 * checked in well under a 50 ms task.
 */
export function crc32(bytes: Uint8Array): number {
  const t = CRC_TABLES;
  let c = 0xffffffff;
  let i = 0;
  const n8 = bytes.length - (bytes.length % 8);
  for (; i < n8; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    c =
      t[1792 + (lo & 255)] ^
      t[1536 + ((lo >>> 8) & 255)] ^
      t[1280 + ((lo >>> 16) & 255)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function withCrc(data: Uint8Array, text: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 4);
  out.set(data);
  new DataView(out.buffer).setUint32(data.length, crc32(text));
  return out;
}

/** The `s=` value for a scenario text: whichever of the plain and compressed forms is shorter. */
export function encodePayload(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const plain = `t${base64url(withCrc(bytes, bytes))}`;
  const packed = `z${base64url(withCrc(deflateSync(bytes, { level: 9, dictionary: dictionary() }), bytes))}`;
  return packed.length < plain.length ? packed : plain;
}

/** The `h=` of a fragment: CRC-32 of everything before `&h=`, 8 lower-case hex digits. */
function fieldsChecksum(covered: string): string {
  // The covered text is ASCII (the encoder writes nothing else; the decoder refuses the rest).
  const bytes = new Uint8Array(covered.length);
  for (let i = 0; i < covered.length; i++) bytes[i] = covered.charCodeAt(i);
  return crc32(bytes).toString(16).padStart(8, '0');
}

/**
 * A fragment (without `#`) from an encoded payload; the one place the field order is fixed.
 * The last field, `h`, is a checksum over all the others (docs/share-links.md): links made
 * before it existed have none and decode as they always did.
 */
export function composeFragment(
  payload: string,
  step: number,
  view?: View,
  compare?: string[],
  event?: number,
  look: { pinned?: number[]; allPins?: boolean } = {},
): string {
  const e = event !== undefined ? `&e=${event}` : '';
  const v = view && view !== 'timeline' ? `&view=${view}` : '';
  const c = compare ? `&c=${compare.join(',')}` : '';
  const p = look.pinned?.length ? `&p=${look.pinned.join(',')}` : '';
  const a = look.allPins ? '&pins=all' : '';
  const covered = `v=${URL_VERSION}&k=${step}${e}${v}${c}${p}${a}&s=${payload}`;
  return `${covered}&h=${fieldsChecksum(covered)}`;
}

export function encodeFragment(s: ShareState): string {
  return composeFragment(encodePayload(s.text), s.step, s.view, s.compare, s.event, {
    pinned: s.pinned,
    allPins: s.allPins,
  });
}

export type IssueResult = { ok: true; fragment: string } | { ok: false; error: string };

/**
 * Whether a composed fragment may be issued: only if it opens. The refusal is the decoder's
 * own message, so the Share dialog and `apicscope url` say what opening the link would say.
 */
export function issueFragment(fragment: string, opts: DecodeOptions = {}): IssueResult {
  const r = decodeFragment(fragment, opts);
  return r.ok ? { ok: true, fragment } : { ok: false, error: r.error };
}

/** Encodes a session as a link that opens, or says why there is none (too long, too large). */
export function encodeLink(s: ShareState, opts: DecodeOptions = {}): IssueResult {
  const bytes = utf8Length(s.text);
  // Not worth compressing: the decoder refuses such a text whatever its encoding.
  if (bytes > MAX_TEXT_BYTES) return { ok: false, error: tooLargeMessage() };
  return issueFragment(encodeFragment(s), opts);
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const tooLargeMessage = () => `the link's scenario expands to more than ${MAX_TEXT_BYTES} bytes`;

class TooLarge extends Error {}

/** Input bytes per inflate step: each step's output (≤ ~1032× this) is checked against the limit. */
const INFLATE_CHUNK = 1024;

function inflateBounded(data: Uint8Array, limit: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const inf = new Inflate({ dictionary: dictionary() }, (chunk) => {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    parts.push(chunk);
  });
  for (let i = 0; i < data.length; i += INFLATE_CHUNK)
    inf.push(data.subarray(i, i + INFLATE_CHUNK), i + INFLATE_CHUNK >= data.length);
  if (data.length === 0) inf.push(new Uint8Array(0), true);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The fields of a v=1 link, each at most once; any other is refused by name. */
const FIELDS: ReadonlySet<string> = new Set(['v', 'k', 'e', 'view', 'c', 'p', 'pins', 's', 'h']);
const FIELD_LIST = 'v, k, e, view, c, p, pins, s and h';

/** Printable ASCII only in what a message quotes from a link (it is shown as text anyway). */
function quote(s: string, max = 20): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return cut.replace(/[^\x20-\x7e…]/g, '?');
}

export interface DecodeOptions {
  /**
   * Says why a compare setting does not apply (null when it does). The checker needs the
   * parser, which the UI thread does not load: the command line and the worker pass
   * scenario/settings.ts checkSetting; on the UI thread the compare column's worker reports it.
   */
  checkSetting?: (setting: string) => string | null;
}

/** Decodes a fragment (with or without `#`, or a whole URL). Never throws. */
export function decodeFragment(input: string, opts: DecodeOptions = {}): DecodeResult {
  const fail = (error: string): DecodeResult => ({ ok: false, error });
  const hash = input.indexOf('#');
  const frag = hash >= 0 ? input.slice(hash + 1) : input;
  if (frag.length > MAX_FRAGMENT_CHARS)
    return fail(`the link is ${frag.length} characters long; at most ${MAX_FRAGMENT_CHARS} are accepted`);
  if (!frag.startsWith('v='))
    return fail('this is not an apicscope link: it does not start with a format version (v=)');
  const fields = new Map<string, string>();
  for (const part of frag.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return fail(`the link has a malformed field '${quote(part, 40)}' (expected key=value)`);
    const key = part.slice(0, eq);
    if (!FIELDS.has(key))
      return fail(`the link has an unknown field '${quote(key)}': a v=1 link has ${FIELD_LIST}`);
    if (fields.has(key)) return fail(`the link gives '${key}' twice`);
    fields.set(key, part.slice(eq + 1));
  }
  const v = fields.get('v');
  if (v === undefined) return fail('this is not an apicscope link: it has no format version (v=)');
  if (!/^\d{1,6}$/.test(v)) return fail(`the link's format version '${quote(v)}' is not a number`);
  if (Number(v) > URL_VERSION)
    return fail(
      `this link was made by a newer apicscope (format v=${Number(v)}); this one reads v=${URL_VERSION}`,
    );
  if (Number(v) !== URL_VERSION) return fail(`unknown link format v=${Number(v)}`);
  const h = fields.get('h');
  if (h !== undefined) {
    // Links with h= (every link issued since it exists) are covered whole: k, view, c and s.
    const at = frag.lastIndexOf('&h=');
    if (at < 0 || at + 3 + h.length !== frag.length)
      return fail('the link is damaged: its checksum (h=) is not its last field');
    if (!/^[0-9a-f]{8}$/.test(h)) return fail(`the link's checksum (h=) '${quote(h)}' is not 8 hex digits`);
    if (fieldsChecksum(frag.slice(0, at)) !== h)
      return fail('the link is damaged: its checksum (h=) does not match (was it cut short or altered?)');
  }
  const k = fields.get('k') ?? '0';
  if (!/^\d{1,7}$/.test(k)) return fail(`the link's step '${quote(k)}' is not a whole number`);
  const e = fields.get('e');
  if (e !== undefined && !/^\d{1,7}$/.test(e))
    return fail(`the link's event '${quote(e)}' is not a whole number`);
  if (e !== undefined && k === '0') return fail("the link's event (e=) needs a step (k=) of 1 or more");
  const view = fields.get('view');
  if (view !== undefined && !(VIEWS as readonly string[]).includes(view))
    return fail(`the link names an unknown view '${quote(view)}'`);
  const c = fields.get('c');
  const compare = c === undefined ? undefined : c === '' ? [] : c.split(',');
  if (compare && compare.length > MAX_COMPARE_SETTINGS)
    return fail(`the link compares more than ${MAX_COMPARE_SETTINGS} settings`);
  for (const setting of compare ?? []) {
    if (!SETTING_RE.test(setting))
      return fail(`the link's compare setting '${quote(setting, 40)}' is not KEY=VALUE`);
    // Since h= exists the encoder issues only settings that apply; older links open as they
    // always did, a setting that does not apply shown as the compare view's error.
    if (h !== undefined && opts.checkSetting) {
      const problem = opts.checkSetting(setting);
      if (problem) return fail(`the link's compare setting '${setting}' is not valid: ${problem}`);
    }
  }
  const p = fields.get('p');
  if (p !== undefined && !/^\d{1,4}(,\d{1,4}){0,11}$/.test(p))
    return fail(`the link's pinned vCPUs (p=) '${quote(p, 40)}' are not up to ${MAX_PINNED} vCPU numbers`);
  const pinned = p === undefined ? undefined : [...new Set(p.split(',').map(Number))];
  const pins = fields.get('pins');
  if (pins !== undefined && pins !== 'all')
    return fail(`the link's pins (pins=) '${quote(pins)}' is not 'all'`);
  const s = fields.get('s');
  if (s === undefined || s.length < 1) return fail('the link carries no scenario (s=)');
  const mode = s[0];
  const all = fromBase64url(s.slice(1));
  if (!all)
    return fail('the link is damaged: its scenario is not valid base64url (was it cut short or altered?)');
  if (all.length < 4) return fail('the link is damaged: its scenario is cut short');
  const bytes = all.subarray(0, all.length - 4);
  const crc = new DataView(all.buffer, all.byteOffset + all.length - 4, 4).getUint32(0);
  let raw: Uint8Array;
  if (mode === 't') raw = bytes;
  else if (mode === 'z') {
    try {
      raw = inflateBounded(bytes, MAX_TEXT_BYTES);
    } catch (e) {
      if (e instanceof TooLarge) return fail(tooLargeMessage());
      return fail(
        'the link is damaged: its compressed scenario does not decompress (was it cut short or altered?)',
      );
    }
  } else return fail(`the link's scenario has an unknown encoding '${quote(mode)}'`);
  if (raw.length > MAX_TEXT_BYTES) return fail(`the link's scenario is more than ${MAX_TEXT_BYTES} bytes`);
  if (crc32(raw) !== crc)
    return fail('the link is damaged: its checksum does not match (was it cut short or altered?)');
  let text: string;
  try {
    // Default ignoreBOM (a leading U+FEFF is dropped), as v=1 links have always decoded.
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail('the link is damaged: its scenario is not valid UTF-8 text');
  }
  return {
    ok: true,
    state: {
      text,
      step: Number(k),
      ...(e !== undefined ? { event: Number(e) } : {}),
      ...(view ? { view: view as View } : {}),
      ...(compare ? { compare } : {}),
      ...(pinned ? { pinned } : {}),
      ...(pins ? { allPins: true } : {}),
    },
  };
}
