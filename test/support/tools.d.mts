export declare const TOOLS: Record<string, { candidates: () => (string | undefined)[]; package: string }>;
export declare function findTool(name: string): string | null;
export declare function installCommand(names: string[]): string;
export declare function needsOf(text: string): string[];
export declare function requireTool(name: string): string;
