/**
 * The lexer's exact tokens and columns (lexer.ts), the LINE:COL of its errors as parseScenario
 * reports them, and replaceConfig's exact text (edit.ts, with its configComment).
 *
 * The other tests go through the parser, which forgives much: a column off by one in a token
 * nobody reports, a `\r` or tab no scenario contains, a line that does not lex taken for
 * configuration. Each test here was checked against hand-made mutants of those files (a
 * comparison loosened, an offset flipped, a condition dropped): each mutant fails it.
 * A configuration statement's comment is kept (it used to be dropped) and a CRLF text keeps
 * CRLF on the printed lines (it used to get LF ones); the rest is pinned as it was.
 */
import { describe, expect, it } from 'vitest';
import { type Config, defaultConfig } from '../core/config.ts';
import { replaceConfig } from './edit.ts';
import { LexError, type Token, tokenize } from './lexer.ts';
import { parseScenario } from './parse.ts';

/** [kind, text, col]: a row reads like the line it lexes. */
type Tok = [Token['kind'], string, number];
const tokens = (line: string): Tok[] => tokenize(line).map((t) => [t.kind, t.text, t.col]);

describe('tokenize: tokens and their columns', () => {
  // biome-ignore format: one row a line reads like the line it lexes
  const ROWS: [string, Tok[]][] = [
    ['', []],
    [' \t\r ', []],
    ['#', []],
    ['# "unterminated {', []],
    // A tab is one column; tabs separate words like spaces.
    ['\tvcpus\t2', [['word', 'vcpus', 2], ['word', '2', 8]]],
    // `\r` is whitespace: a CRLF line ends like an LF one, and it separates words too.
    ['vcpus 2\r', [['word', 'vcpus', 1], ['word', '2', 7]]],
    ['a\rb', [['word', 'a', 1], ['word', 'b', 3]]],
    ['  "a\\"b\\\\c" x', [['string', 'a"b\\c', 3], ['word', 'x', 13]]],
    ['""', [['string', '', 1]]],
    // Inside a string `#`, `{` and a `\r` are text.
    ['"a # b"', [['string', 'a # b', 1]]],
    ['"{" "}"', [['string', '{', 1], ['string', '}', 5]]],
    ['"a\rb"', [['string', 'a\rb', 1]]],
    ['"a"b', [['string', 'a', 1], ['word', 'b', 4]]],
    ['a"b"c', [['word', 'a', 1], ['string', 'b', 2], ['word', 'c', 5]]],
    ['{0x31,0x41}', [['set', '0x31,0x41', 1]]],
    ['{ 0x31 , 0x41 }', [['set', ' 0x31 , 0x41 ', 1]]],
    ['{}', [['set', '', 1]]],
    ['{a}{b}', [['set', 'a', 1], ['set', 'b', 4]]],
    // A set runs to the first `}`: `#` and `"` inside it are its text.
    ['{a # b}', [['set', 'a # b', 1]]],
    ['{ "} x', [['set', ' "', 1], ['word', 'x', 6]]],
    ['isr = {0x31}   # why', [['word', 'isr', 1], ['word', '=', 5], ['set', '0x31', 7]]],
    // Glued forms: the word stops at `"`, `{`, `#`; the parser reports what follows.
    ['key="v"', [['word', 'key=', 1], ['string', 'v', 5]]],
    ['a={1}b', [['word', 'a=', 1], ['set', '1', 3], ['word', 'b', 6]]],
    ['isr>={0x31}', [['word', 'isr>=', 1], ['set', '0x31', 6]]],
    ['vcpus 2#two', [['word', 'vcpus', 1], ['word', '2', 7]]],
    ['a#b "c', [['word', 'a', 1]]],
    ['>=3 =5 x= <', [['word', '>=3', 1], ['word', '=5', 5], ['word', 'x=', 8], ['word', '<', 11]]],
    ['dest=0x11\tmask=0', [['word', 'dest=0x11', 1], ['word', 'mask=0', 11]]],
  ];
  it.each(ROWS)('%j', (line, want) => {
    expect(tokens(line)).toEqual(want);
  });
});

describe("tokenize: where the line's comment starts", () => {
  it.each([
    ['vcpus 2', -1],
    ['vcpus 2 # two', 8],
    ['# only a comment', 0],
    ['title "a # b" # c', 14],
    ['expect cpu 0 isr = {0x30} #x', 26],
    ['note "#"', -1],
  ] as const)('%j: %i', (line, at) => {
    const comment = { at: 99 };
    tokenize(line, comment);
    expect(comment.at).toBe(at);
  });
});

describe('tokenize: errors and their columns', () => {
  const ROWS: [string, number, string][] = [
    ['"abc', 1, 'unterminated string: a closing " is missing'],
    ['  x "abc', 5, 'unterminated string: a closing " is missing'],
    ['x"y', 2, 'unterminated string: a closing " is missing'],
    ['"a\r', 1, 'unterminated string: a closing " is missing'],
    // The `"` after a set's `}` opens a string.
    ['{"}"', 4, 'unterminated string: a closing " is missing'],
    // The column is the backslash's, not the string's.
    ['"a\\n"', 3, 'in a string only \\" and \\\\ are escapes'],
    ['x "ab\\t"', 6, 'in a string only \\" and \\\\ are escapes'],
    // A backslash at the end of the line is a bad escape, not a missing quote.
    ['"\\', 2, 'in a string only \\" and \\\\ are escapes'],
    ['{0x31', 1, 'unterminated vector set: a closing } is missing'],
    [' x {', 4, 'unterminated vector set: a closing } is missing'],
    ['{a}{b', 4, 'unterminated vector set: a closing } is missing'],
  ];
  it.each(ROWS)('%j → col %i', (line, col, message) => {
    let err: unknown;
    try {
      tokenize(line);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LexError);
    expect([(err as LexError).col, (err as LexError).message]).toEqual([col, message]);
  });
});

describe('lexer errors as parseScenario reports them (LINE:COL)', () => {
  const UNTERMINATED = 'unterminated string: a closing " is missing';
  const ESCAPE = 'in a string only \\" and \\\\ are escapes';
  const ROWS: [string, string[]][] = [
    ['title "abc\n', [`1:7 ${UNTERMINATED}`]],
    ['\ttitle "abc\n', [`1:8 ${UNTERMINATED}`]],
    ['title "abc\r\n', [`1:7 ${UNTERMINATED}`]],
    ['title "a\\n"\n', [`1:9 ${ESCAPE}`]],
    ['title "a\\\n', [`1:9 ${ESCAPE}`]],
    ['vcpus 2\n\t{0x31\n', ['2:2 unterminated vector set: a closing } is missing']],
    // Each line that does not lex is reported, the later ones too.
    ['vcpus 2\nnote "a\n  note "b\n', [`2:6 ${UNTERMINATED}`, `3:8 ${UNTERMINATED}`]],
    // A column after tabs counts each tab as one.
    ['vcpus\t\tzz\n', ["1:8 'zz' is not a number: write decimal (48) or hex (0x30)"]],
  ];
  it.each(ROWS)('%j', (text, want) => {
    const r = parseScenario(text);
    expect(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col} ${e.message}`)).toEqual(want);
  });

  it('reads a CRLF scenario as its LF twin', () => {
    const lf = 'title "a"\nvcpus 2\nkvm seoib=disabled\nexpect cpu 0 isr = {0x31, 0x41}\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    const a = parseScenario(lf);
    const b = parseScenario(crlf);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.scenario.config).toEqual(a.scenario.config);
    expect(b.scenario.expects).toEqual(a.scenario.expects);
    expect(b.scenario.config.title).toBe('a');
  });
});

describe('replaceConfig: exact text', () => {
  const d = defaultConfig();
  const four: Config = { ...d, vcpus: 4 };
  const ROWS: [string, string, Config, string][] = [
    ['empty text gets the configuration', '', four, 'vcpus 4\n'],
    ['empty text and a default configuration stay empty', '', d, ''],
    ['blank lines are kept after it', '\n\n', four, 'vcpus 4\n\n\n'],
    ['no final newline: none added', 'assert 3', four, 'vcpus 4\nassert 3'],
    ['a configuration on line 1 is printed once', 'vcpus 2\nassert 3\n', four, 'vcpus 4\nassert 3\n'],
    ['no final newline after configuration', 'vcpus 2', four, 'vcpus 4'],
    ['a default configuration removes the lines', 'vcpus 2\nassert 3\n', d, 'assert 3\n'],
    ['… even the only one', 'vcpus 2', d, ''],
    ['repeated statements collapse into one', 'vcpus 2\nvcpus 3\nassert 1\n', four, 'vcpus 4\nassert 1\n'],
    ['a note before configuration stays before it', 'note "a"\nvcpus 2\n', four, 'note "a"\nvcpus 4\n'],
    [
      'notes at the end stay, without a final newline',
      'vcpus 2\nassert 3\nnote "end"',
      four,
      'vcpus 4\nassert 3\nnote "end"',
    ],
    // Printed where the last statement stood, even after an action (the text was invalid already).
    ['configuration after an action', 'vcpus 2\nassert 3\nkvm seoib=auto\n', four, 'assert 3\nvcpus 4\n'],
    // Keywords are matched case-insensitively, as the parser does.
    ['upper-case keyword', 'VCPUS 2\nassert 3\n', four, 'vcpus 4\nassert 3\n'],
    ['indented statement', '\t vcpus 2\nassert 3\n', four, 'vcpus 4\nassert 3\n'],
    // Pinned, though the module says it keeps comments: a comment after a statement is lost.
    [
      "a statement's comment stays where the statement was, on a line of its own",
      'vcpus 2 # two\nassert 3\n',
      four,
      '# two\nvcpus 4\nassert 3\n',
    ],
    [
      'a comment on an earlier statement stays above the printed configuration',
      'vcpus 2 # two\n# mid\napic x2apic\nassert 3\n',
      four,
      '# two\n# mid\nvcpus 4\nassert 3\n',
    ],
    ['a comment with a string and a set before it', 'title "a # b" # c {1}\n', four, '# c {1}\nvcpus 4\n'],
    [
      'a commented-out statement is a comment',
      '# vcpus 2\nassert 3\n',
      four,
      'vcpus 4\n# vcpus 2\nassert 3\n',
    ],
    // Only a word starts a statement: a string or set spelling a keyword is not configuration.
    ['a quoted keyword', '"vcpus" 2\nassert 3\n', four, 'vcpus 4\n"vcpus" 2\nassert 3\n'],
    ['a set spelling a keyword', '{vcpus}\nassert 3\n', four, 'vcpus 4\n{vcpus}\nassert 3\n'],
    // A line that does not lex is not configuration (isConfigLine's catch), wherever it stands.
    [
      'a line that does not lex, after an action',
      'assert 3\nnote "x\n',
      four,
      'vcpus 4\nassert 3\nnote "x\n',
    ],
    ['a line that does not lex, after configuration', 'vcpus 2\nnote "x\n', four, 'vcpus 4\nnote "x\n'],
    [
      'a configuration keyword on a line that does not lex is kept',
      'vcpus "x\nassert 3\n',
      four,
      'vcpus 4\nvcpus "x\nassert 3\n',
    ],
    // Lines are split on \n only: the other lines keep their \r, the printed ones have none.
    [
      'CRLF text: printed lines end as its lines do',
      'vcpus 2\r\nassert 3\r\n',
      four,
      'vcpus 4\r\nassert 3\r\n',
    ],
    ['CRLF text with a comment', 'vcpus 2 # two\r\nassert 3\r\n', four, '# two\r\nvcpus 4\r\nassert 3\r\n'],
  ];
  it.each(ROWS)('%s', (_why, text, config, want) => {
    expect(replaceConfig(text, config)).toBe(want);
  });

  it('prints every statement of the configuration at the last one, notes between kept before', () => {
    const text = 'title "t"\nnote "n"\napic x2apic\n# c\nirqchip kernel\nassert 1\n';
    const config: Config = { ...d, title: 'u', vcpus: 3, irqchip: 'kernel', apicv: true };
    expect(replaceConfig(text, config)).toBe(
      'note "n"\n# c\ntitle "u"\nvcpus 3\nirqchip kernel\napicv on\nassert 1\n',
    );
  });
});
