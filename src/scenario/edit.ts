/** Text edits that keep the user's comments and notes: replacing the configuration section. */
import type { Config } from '../core/config.ts';
import { tokenize } from './lexer.ts';
import { CONFIG_STATEMENTS } from './parse.ts';
import { printConfig } from './print.ts';

const CONFIG = new Set(CONFIG_STATEMENTS);

/** A configuration statement's line: its comment (`# …`, '' if none); null for any other line. */
function configComment(line: string): string | null {
  const comment = { at: -1 };
  try {
    const t = tokenize(line, comment);
    if (!(t.length > 0 && t[0].kind === 'word' && CONFIG.has(t[0].text.toLowerCase()))) return null;
  } catch {
    return null;
  }
  return comment.at < 0 ? '' : line.slice(comment.at);
}

/**
 * The text with its configuration statements replaced by `config`, printed where the last of
 * them stood, so that notes among them still come before configuration (and describe it). A
 * statement's comment stays where the statement was, as a line of its own; the printed lines end
 * as the text's lines do (`\r\n` in a text that uses it).
 */
export function replaceConfig(text: string, config: Config): string {
  const lines = text.split('\n');
  const comments = lines.map(configComment);
  const last = comments.findLastIndex((c) => c !== null);
  const cr = text.includes('\r\n') ? '\r' : '';
  const printed = printConfig(config).map((l) => l + cr);
  const out: string[] = [];
  lines.forEach((line, i) => {
    const comment = comments[i];
    if (comment === null) out.push(line);
    else if (comment) out.push(comment);
    if (i === last) out.push(...printed);
  });
  if (last < 0) out.unshift(...printed);
  return out.join('\n');
}
