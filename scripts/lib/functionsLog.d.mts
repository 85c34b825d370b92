// Types for functionsLog.mjs (plain JS: the bench runs it without a build).
export function functionName(triggerKey: string): string;
export class InvocationLog {
  begins: { at: number; fn: string }[];
  finishes: { at: number; fn: string; ms: number }[];
  lastAt: number;
  line(text: string, at?: number): void;
  runningNow(): Record<string, number>;
  between(from: number, to: number): { total: number; byFunction: Record<string, number> };
  activity(): { lastAt: number; begun: number; running: Record<string, number> };
}
export function runTailingStdout(cmd: string, args: string[], opts?: Record<string, unknown>): Promise<number>;
