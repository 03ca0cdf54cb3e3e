/** The built app served by `vite preview`, for the browser benchmarks and the hostile suite. */
import { spawn } from 'node:child_process';

/** Builds the app (dist/) and serves it on `port`; `close` stops the server. */
export async function serveBuiltApp(port: number): Promise<{ url: string; close(): void }> {
  const build = spawn('npx', ['vite', 'build'], { stdio: 'ignore' });
  const code = await new Promise((r) => build.on('exit', r));
  if (code !== 0) throw new Error(`vite build failed (exit ${code})`);
  const server = spawn(
    'npx',
    ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  const url = `http://127.0.0.1:${port}/`;
  const close = () => {
    if (server.pid) process.kill(-server.pid);
  };
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, close };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  close();
  throw new Error('vite preview did not start');
}
