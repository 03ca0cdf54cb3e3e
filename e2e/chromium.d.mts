export function findChromium(): Promise<string | null>;
export const HOW_TO_GET_CHROMIUM: string;
