/** Light / dark theme: the system setting unless the user chose one (kept in localStorage). */
export type Theme = 'light' | 'dark';

const KEY = 'apicscope.theme';

export function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : null;
  } catch {
    return null;
  }
}

export function applyTheme(t: Theme, remember: boolean): void {
  document.documentElement.classList.toggle('dark', t === 'dark');
  if (remember) {
    try {
      localStorage.setItem(KEY, t);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
}
