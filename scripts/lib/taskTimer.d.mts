export declare function startTaskTimer(opts: { tasksHost: string; projectId: string; log?: (m: string) => void }): Promise<{
  url: string;
  stats(): { pending: number; sent: number; failed: number; duplicates: number };
  close(): Promise<void>;
}>;
