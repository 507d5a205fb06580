/* Roles, dates, time zones and browser names. */
import type { InvitedBy, Role } from './api';

export const ROLES: readonly Role[] = ['owner', 'admin', 'editor', 'contributor', 'viewer'];

const RANK: Record<Role, number> = { owner: 5, admin: 4, editor: 3, contributor: 2, viewer: 1 };

export const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  editor: 'Editor',
  contributor: 'Contributor',
  viewer: 'Viewer',
};

export const ROLE_HINT: Record<Role, string> = {
  owner: 'Owners can do everything, including deleting the workspace.',
  admin: 'Admins manage members, invitations, settings and social accounts, and schedule posts.',
  editor: 'Editors create, approve and schedule posts.',
  contributor: 'Contributors write drafts and submit them for approval.',
  viewer: 'Viewers can read everything but change nothing.',
};

export function roleLabel(role: string): string {
  return (ROLE_LABEL as Record<string, string>)[role] ?? role;
}

/** Whether role is min or above. */
export const atLeast = (role: Role | undefined | null, min: Role): boolean => !!role && RANK[role] >= RANK[min];

/** Contributor and up: upload media, write drafts, rename media and give it alt text. */
export const canContribute = (role: Role | undefined | null): boolean => atLeast(role, 'contributor');

/** Editor and up: approve, schedule, delete media. */
export const canEdit = (role: Role | undefined | null): boolean => atLeast(role, 'editor');

/** Admin or owner: members, invitations, settings, activity log. */
export const isAdmin = (role: Role | undefined | null): boolean => !!role && RANK[role] >= RANK.admin;

/** Roles this role may hand out (invite as, or change someone to). */
export function assignableRoles(actor: Role): Role[] {
  if (actor === 'owner') return [...ROLES];
  if (actor === 'admin') return ['editor', 'contributor', 'viewer'];
  return [];
}

/** Whether actor may change or remove a member who has role target. */
export function canManage(actor: Role, target: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return RANK[target] < RANK.admin;
  return false;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let zones: string[] | null = null;

/** Every IANA time zone this browser knows, plus `include` if missing. */
export function timeZones(include?: string): string[] {
  if (!zones) {
    let list: string[] = [];
    try {
      list = Intl.supportedValuesOf('timeZone');
    } catch {
      list = [];
    }
    if (!list.includes('UTC')) list = [...list, 'UTC'];
    zones = list.sort();
  }
  if (include && !zones.includes(include)) return [include, ...zones];
  return zones;
}

let displayZone: string | undefined;

/** Times are shown in the signed-in user's own time zone. */
export function setDisplayTimeZone(zone: string | null | undefined): void {
  displayZone = zone || undefined;
}

/** A date and time for people, in the given time zone (the viewer's own by default). */
export function formatTime(iso: string | null | undefined, timeZone = displayZone): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  }
}

/** A date for people (no time of day), in the given time zone (the viewer's own by default). */
export function formatDate(iso: string | null | undefined, timeZone = displayZone): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(d);
  }
}

/** "in 3 days", "2 hours ago". */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

/** "Firefox on Linux" from a User-Agent string; good enough to recognise a device. */
export function browserName(ua: string | null | undefined): string {
  if (!ua) return 'Unknown browser';
  let browser = 'Unknown browser';
  if (/\bEdg(e|A|iOS)?\//.test(ua)) browser = 'Edge';
  else if (/\bOPR\//.test(ua)) browser = 'Opera';
  else if (/\bFirefox\/|\bFxiOS\//.test(ua)) browser = 'Firefox';
  else if (/HeadlessChrome\//.test(ua)) browser = 'Headless Chrome';
  else if (/\bChrom(e|ium)\/|\bCriOS\//.test(ua)) browser = 'Chrome';
  else if (/\bSafari\//.test(ua) && /\bVersion\//.test(ua)) browser = 'Safari';
  else if (/^curl\//.test(ua)) browser = 'curl';
  else if (/^node|undici/i.test(ua)) browser = 'Node.js';
  else return ua.length > 40 ? ua.slice(0, 40) + '…' : ua;
  let os = '';
  if (/Android/.test(ua)) os = 'Android';
  else if (/iPhone|iPad|iPod/.test(ua)) os = 'iOS';
  else if (/Windows/.test(ua)) os = 'Windows';
  else if (/Mac OS X|Macintosh/.test(ua)) os = 'macOS';
  else if (/CrOS/.test(ua)) os = 'ChromeOS';
  else if (/Linux/.test(ua)) os = 'Linux';
  return os ? `${browser} on ${os}` : browser;
}

export function invitedByName(by: InvitedBy): string {
  if (by === null || by === undefined) return '—';
  if (typeof by === 'string') return by;
  if (typeof by === 'number') return `user ${by}`;
  return by.name ?? (by.id !== undefined ? `user ${by.id}` : '—');
}
