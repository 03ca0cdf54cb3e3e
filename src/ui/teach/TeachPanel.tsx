/** Teaching mode: the question about the next step, its choices, then the answer with its why and the score. */
import { useEffect, useRef } from 'react';
import { scoreKey } from '../../store/teach.ts';
import { Button } from '../common/Button.tsx';
import { Toolbar } from '../common/roving.tsx';
import { useViz } from '../context.ts';

export function TeachPanel() {
  const teach = useViz((s) => s.teach);
  const quiz = useViz((s) => s.quiz);
  const answerQuiz = useViz((s) => s.answerQuiz);
  const stepBy = useViz((s) => s.stepBy);
  const score = useViz((s) => s.scores[scoreKey(s.info)]);
  const atEnd = useViz((s) => (s.frame?.step ?? 0) >= (s.info?.steps.length ?? 0));
  const box = useRef<HTMLElement>(null);
  const step = quiz?.step;
  const revealed = quiz?.answer !== null && quiz?.answer !== undefined;
  // A new question takes the focus to its first choice; a revealed answer to "Next step".
  useEffect(() => {
    if (step === undefined) return;
    box.current?.querySelector<HTMLElement>(revealed ? '[data-next]' : '[data-choice]')?.focus();
  }, [step, revealed]);
  if (!teach) return null;
  const right = revealed && quiz.picked === quiz.answer;
  return (
    <section
      ref={box}
      aria-labelledby="teach-h"
      data-testid="teach"
      className="rounded-lg border border-violet-300 bg-violet-50 px-3 py-2 text-sm shadow-sm dark:border-violet-700 dark:bg-violet-950"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="teach-h" className="m-0 text-sm font-semibold text-violet-900 dark:text-violet-100">
          {quiz
            ? `Predict step ${quiz.step}: ${quiz.prompt}`
            : 'Teaching mode: step forward (→) to be asked about the next step'}
        </h2>
        <span className="text-xs text-violet-900 tabular-nums dark:text-violet-100" data-testid="score">
          Score {score?.right ?? 0} / {score?.asked ?? 0}
        </span>
      </div>
      {quiz && (
        <Toolbar label="Your prediction" className="mt-2 flex flex-wrap gap-1">
          {quiz.choices.map((c, i) => (
            <Button
              key={c}
              data-choice={i}
              disabled={quiz.picked !== null}
              aria-pressed={quiz.picked === i}
              onClick={() => answerQuiz(i)}
              className={
                revealed && i === quiz.answer
                  ? 'border-emerald-600 font-semibold disabled:opacity-100'
                  : 'disabled:opacity-60'
              }
            >
              {c}
              {revealed && i === quiz.answer ? ' ✓' : ''}
            </Button>
          ))}
        </Toolbar>
      )}
      {quiz && quiz.picked !== null && !revealed && (
        <p className="m-0 mt-2 text-xs text-violet-900 dark:text-violet-100">Running the step…</p>
      )}
      {revealed && (
        <div role="status" className="mt-2 text-xs text-slate-800 dark:text-slate-100" data-testid="verdict">
          <p className="m-0 font-semibold">
            {right ? 'Right: ' : 'Not quite: '}
            {quiz.choices[quiz.answer!]}.
          </p>
          <p className="m-0 mt-0.5">Why: {quiz.why}</p>
          {!atEnd && (
            <Button data-next className="mt-1" onClick={() => stepBy(1)}>
              Next step (→)
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
