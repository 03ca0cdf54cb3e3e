import { useEffect, useState } from 'react';
import { formatVectorSet, hex } from '../core/bitmap.ts';
import { DEFAULT_PRESET, PRESETS } from '../presets/index.ts';
import { EmulatorClient } from '../worker/client.ts';
import type { Frame, SessionInfo } from '../worker/session.ts';

export function App() {
  const [info, setInfo] = useState<SessionInfo | null>(null);
  const [frame, setFrame] = useState<Frame | null>(null);
  useEffect(() => {
    const client = new EmulatorClient();
    const off = client.subscribe((r) => {
      if (r.type === 'loaded') setInfo(r.info);
      if (r.type === 'frame') setFrame(r.frame);
    });
    const preset = PRESETS.find((p) => p.id === DEFAULT_PRESET)!;
    client.send({ type: 'load', text: preset.text });
    return () => {
      off();
      client.terminate();
    };
  }, []);
  return (
    <main className="p-4 font-mono text-sm">
      <h1 className="text-lg font-bold">apicscope</h1>
      {info && <h2 data-testid="title">{info.title}</h2>}
      {frame && (
        <section aria-label="final state" data-testid="state">
          <p>after step {frame.step}</p>
          {frame.view.cpus.map((c) => (
            <p key={c.cpu}>
              vCPU {c.cpu}: IRR {formatVectorSet(c.irr)} ISR {formatVectorSet(c.isr)} TMR{' '}
              {formatVectorSet(c.tmr)} PPR {hex(c.ppr)}
            </p>
          ))}
        </section>
      )}
    </main>
  );
}
