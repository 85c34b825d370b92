export declare function run(cmd: string, args: string[], opts?: Record<string, unknown>): Promise<number>;
export declare function freePort(): Promise<number>;
export declare function shellJoin(args: string[]): string;
export declare function seconds(ms: number): string;
