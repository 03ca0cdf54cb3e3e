/**
 * The UI acts with typed actions (core `Action`, the scenario's AST): the grammar's printer
 * writes their text, so a change of the language's syntax breaks the UI when it is compiled.
 */
import { useCallback } from 'react';
import type { Action } from '../core/actions.ts';
import { printAction } from '../scenario/grammar/index.ts';
import { useViz } from './context.ts';

/** Appends the actions as one step each (after the discard question, if any). */
export function useAct(): (...actions: Action[]) => void {
  const act = useViz((s) => s.act);
  return useCallback((...actions: Action[]) => act(actions.map(printAction)), [act]);
}
