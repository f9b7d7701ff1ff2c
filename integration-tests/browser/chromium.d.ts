import type { BrowserContext, LaunchOptions } from 'playwright-core';

export function ensureChromium(): void;
export function launchChromium(options?: Omit<LaunchOptions, 'executablePath' | 'args'> & { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; close(): Promise<void> }>;
