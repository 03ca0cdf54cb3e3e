/**
 * The rule book and the language reference, built once when the reference panel first opens.
 * The texts are files of the built app (Vite's `?url`: hashed assets next to the scripts, from
 * the same origin, so no network beyond the app's own host and the CSP's `connect-src 'self'`),
 * not string literals in a script: 144 KB of Markdown is data, and as JavaScript it was a
 * third of the page's scripts (issue 13.5). This module's top-level await makes the panel's
 * lazy import wait for both; a failed load rejects that import (ReferenceHost says so).
 */
import languageUrl from '../../../docs/language.md?url';
import rulesUrl from '../../../docs/rules.md?url';
import { buildBook, buildLanguage } from './book.ts';

async function text(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

const [rulesText, languageText] = await Promise.all([text(rulesUrl), text(languageUrl)]);

export const BOOK = buildBook(rulesText);
export const LANGUAGE = buildLanguage(languageText);
