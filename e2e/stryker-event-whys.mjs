/**
 * A Stryker ignorer: mutants in the *why* of trace events in src/core are left out: the why
 * argument of `emit(ctx, cpu, type, text, why)` and of the helpers that pass one on (`vmExit`,
 * `gp`, `apicMapChanged`, `stopAllVcpus`), and the `why` / `how` variables built for them.
 * Those plain-words reasons are being rewritten into a typed event catalogue
 * (src/core/events.ts); until it has tests of its own they are not checked. Everything else of
 * an event (type, vCPU, vector, pin and its TP_printk text) is checked by
 * src/core/event-sequence.test.ts, so it is still mutated.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Function name → index of its why argument. */
const WHY_ARG = { emit: 4, vmExit: 3, gp: 2, apicMapChanged: 1, stopAllVcpus: 1 };
const WHY_VARS = new Set(['why', 'how']);
const REASON = 'the why of a trace event (being rewritten into the event catalogue)';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'event-whys', {
    shouldIgnore(path) {
      const parent = path.parentPath;
      if (!parent) return undefined;
      if (parent.isCallExpression() && parent.node.callee.type === 'Identifier') {
        const i = WHY_ARG[parent.node.callee.name];
        return i !== undefined && parent.node.arguments[i] === path.node ? REASON : undefined;
      }
      if (parent.isVariableDeclarator() && parent.node.init === path.node)
        return parent.node.id.type === 'Identifier' && WHY_VARS.has(parent.node.id.name) ? REASON : undefined;
      if (parent.isAssignmentExpression() && parent.node.right === path.node)
        return parent.node.left.type === 'Identifier' && WHY_VARS.has(parent.node.left.name)
          ? REASON
          : undefined;
      return undefined;
    },
  }),
];
