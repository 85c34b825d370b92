// Types for sequencer.mjs (plain JS so that vite loads the config natively).
import { BaseSequencer } from 'vitest/node';

export const FIRST: string[];
export const LAST: string[];
export function rank(relativePath: string): number;
export default class EmulatorOrder extends BaseSequencer {}
