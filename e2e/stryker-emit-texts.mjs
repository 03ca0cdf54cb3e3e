/**
 * A Stryker ignorer: mutants inside the text and why arguments of `emit(m, cpu, type, text,
 * why, …)` in src/core are left out. Those strings are being rewritten into a typed event
 * catalogue (src/core/events.ts); until it has tests of its own, the event *structure* (type,
 * vCPU, vector, pin of every event, src/core/event-sequence.test.ts) is what is checked. The
 * event's type, vCPU and fields are still mutated.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const TEXT_ARGS = new Set([3, 4]);

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'emit-texts', {
    shouldIgnore(path) {
      const parent = path.parentPath;
      if (!parent?.isCallExpression()) return undefined;
      const callee = parent.node.callee;
      if (callee.type !== 'Identifier' || callee.name !== 'emit') return undefined;
      const i = parent.node.arguments.indexOf(path.node);
      return TEXT_ARGS.has(i)
        ? 'the text or why of a trace event (being rewritten into the event catalogue)'
        : undefined;
    },
  }),
];
