import type { ButtonHTMLAttributes } from 'react';
import { memo } from 'react';

/** A small, keyboard-focusable button with a visible focus ring. */
export function Button({ className = '', ...props }: ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="button"
      {...props}
      className={`rounded border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-500 aria-pressed:border-sky-500 aria-pressed:bg-sky-100 disabled:cursor-not-allowed disabled:opacity-40 dark:aria-pressed:bg-sky-900 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700 ${className}`}
    />
  );
}

/**
 * A labelled number input that submits on Enter. Memoized: a card re-rendered by a live frame
 * leaves its inputs alone (React rewrites an input's name and type at each update).
 */
export const NumberField = memo(function NumberField({
  label,
  value,
  onChange,
  width = 'w-16',
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  width?: string;
}) {
  return (
    <label className="inline-flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
      {label}
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        className={`${width} rounded border border-slate-300 bg-white px-1 py-0.5 font-mono text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100`}
      />
    </label>
  );
});
