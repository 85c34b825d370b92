export const CPU_KINDS: string[];
export function kindOf(cmdline: string): string;
export interface CpuSampler {
  available: boolean;
  between(from: number, to: number): { ms: Record<string, number>; started: Record<string, number>; seconds: number } | null;
  stop(): void;
}
export function startCpuSampler(rootPid: number, opts?: { intervalMs?: number }): CpuSampler;
