// The kinds of generated drill (domain/drills/generate.ts), in a module of
// their own so the console can list them without bundling the generator.
export const DRILL_KINDS = ['bad-deploy', 'dependency', 'saturation', 'storm'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

export const isDrillKind = (k: unknown): k is DrillKind => typeof k === 'string' && (DRILL_KINDS as readonly string[]).includes(k);
