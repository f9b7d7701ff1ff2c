// Config reload (SIGHUP, or the live page when it is allowed to): what a reload did, and the host capability through
// which an extension asks for one.
import type { Host } from '../component';

/** What a reload did: `kept` runs on untouched, `built` was created (and what it replaced stopped); or why it was refused. */
export type ReloadResult = { ok: true; kept: string[]; built: string[] } | { ok: false; error: string };

/** Offered by the host when the collector can reload its config. */
export interface Reloadable {
  requestReload(): Promise<ReloadResult>;
}

export function isReloadable(host: Host): host is Host & Reloadable {
  return typeof (host as Partial<Reloadable>).requestReload === 'function';
}

/** Thrown for a new config that a reload cannot apply; the running config is kept. */
export class ReloadRefused extends Error {}
