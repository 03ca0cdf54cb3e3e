/**
 * The order of test files inside a mutation run (vite.config.ts uses it when Stryker runs the
 * tests). Stryker stops at the first failing test; vitest's own order runs the longest files
 * first, which suits parallel runs but makes every killed mutant wait for the slowest file
 * that covers it. Here: files that failed last first (the next mutant is usually in the same
 * function, killed by the same file), then the quickest first.
 */
import { relative } from 'node:path';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

export default class MutationSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const state = (f: TestSpecification) =>
      cache.getFileTestResults(`${f.project.name}:${relative(config.root, f.moduleId)}`);
    return [...files].sort((a, b) => {
      const sa = state(a);
      const sb = state(b);
      if (!sa || !sb) return 0;
      if (sa.failed !== sb.failed) return sa.failed ? -1 : 1;
      return sa.duration - sb.duration;
    });
  }
}
