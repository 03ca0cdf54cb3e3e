/** Text edits that keep the user's comments and notes: replacing the configuration section. */
import type { Config } from '../core/config.ts';
import { tokenize } from './lexer.ts';
import { CONFIG_STATEMENTS } from './parse.ts';
import { printConfig } from './print.ts';

const CONFIG = new Set(CONFIG_STATEMENTS);

function isConfigLine(line: string): boolean {
  try {
    const t = tokenize(line);
    return t.length > 0 && t[0].kind === 'word' && CONFIG.has(t[0].text.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * The text with its configuration statements replaced by `config`, printed where the last of
 * them stood, so that notes among them still come before configuration (and describe it).
 */
export function replaceConfig(text: string, config: Config): string {
  const lines = text.split('\n');
  const last = lines.findLastIndex(isConfigLine);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (i === last) out.push(...printConfig(config));
    else if (!isConfigLine(line)) out.push(line);
  });
  if (last < 0) out.unshift(...printConfig(config));
  return out.join('\n');
}
