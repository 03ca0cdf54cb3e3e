/**
 * A Stryker ignorer: mutants in the *why* of trace events are left out. Every why is built by
 * the `why:` function of its kind in the event catalogue (src/core/events.ts EVENT_KINDS),
 * from the event's fields: plain words for a reader, with the rule they cite. Mutating that
 * prose makes hundreds of mutants no behaviour test could or should kill. What is still mutated
 * and checked: everything else of an event (its kind, vCPU, vector, pin, fields, rule and its
 * TP_printk text, by src/core/event-sequence.test.ts and events.test.ts), and that every why
 * starts with its rule (events.test.ts).
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const REASON = 'the why of a trace event (plain words built by its catalogue entry)';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'event-whys', {
    shouldIgnore(path) {
      const { node } = path;
      if (!path.isObjectProperty() || node.computed) return undefined;
      const named =
        node.key.type === 'Identifier'
          ? node.key.name
          : node.key.type === 'StringLiteral'
            ? node.key.value
            : '';
      const fn = node.value.type === 'ArrowFunctionExpression' || node.value.type === 'FunctionExpression';
      return named === 'why' && fn ? REASON : undefined;
    },
  }),
];
