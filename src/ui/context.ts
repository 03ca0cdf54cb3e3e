import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { VizState, VizStore } from '../store/viz.ts';
import type { CpuDetail } from '../worker/protocol.ts';

export const VizContext = createContext<VizStore | null>(null);

/**
 * Compare view: the other column's vCPU details, so that each card can mark the grid cells in
 * which the two columns differ (null outside compare).
 */
export const OtherCpusContext = createContext<Record<number, CpuDetail> | null>(null);

/** Compare view: the id of the column's heading ("A as written"), so its sections' names tell the columns apart. */
export const ColumnContext = createContext<string | undefined>(undefined);

export function useVizStore(): VizStore {
  const store = useContext(VizContext);
  if (!store) throw new Error('useViz must be used inside a <VizContext.Provider>');
  return store;
}

/** Subscribes to one slice of this visualizer's store (Object.is equality). */
export function useViz<T>(selector: (s: VizState) => T): T {
  return useStore(useVizStore(), selector);
}
