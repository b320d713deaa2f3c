export declare const isIntegration: (file: string) => boolean;
export declare function planTestProcesses(files: string[], durations: Record<string, number>, groups: number): { files: string[]; cleanup(): void };
