/*
 * The API client: JSON in and out, same-origin cookies, the CSRF header on
 * state-changing requests, and one typed error for every failure.
 * The contract is docs/api.md.
 */

export type Role = 'owner' | 'admin' | 'editor' | 'contributor' | 'viewer';

export interface User {
  id: number;
  name: string;
  email: string;
  timezone: string;
  created_at: string;
}

export interface Workspace {
  id: number;
  name: string;
  timezone: string;
  role: Role;
  created_at: string;
}

export interface Member {
  user_id: number;
  name: string;
  email: string;
  role: Role;
  joined_at: string;
}

export interface SessionInfo {
  id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  workspace_ids: number[];
  created_at: string;
  last_used_at: string | null;
}

/** Who made an invitation: the contract leaves the shape open, so accept the likely ones. */
export type InvitedBy = string | number | { name?: string | null; id?: number } | null;

export interface Invitation {
  id: number;
  role: Role;
  email: string | null;
  invited_by: InvitedBy;
  created_at: string;
  expires_at: string;
}

export interface InvitationPreview {
  workspace_name: string;
  role: Role;
  invited_by: InvitedBy;
  /** Set when only the account with this address may accept. */
  email?: string | null;
  expires_at: string;
}

export interface ActivityEntry {
  id: number;
  at: string;
  user_id: number | null;
  user_name: string | null;
  action: string;
  target: unknown;
  details: unknown;
  ip: string | null;
  user_agent: string | null;
}

export type AccountStatus = 'active' | 'needs_reconnect' | 'disconnected';

/** A connected social account (Facebook Page, X account, YouTube channel…). Tokens never appear. */
export interface SocialAccount {
  id: number;
  platform: string;
  remote_id: string;
  kind: string | null;
  name: string | null;
  username: string | null;
  avatar_url: string | null;
  status: AccountStatus;
  status_reason: string | null;
  status_at: string | null;
  token_expires_at: string | null;
  scopes: string | null;
  connected_at: string;
  can_refresh: boolean;
}

/** A platform accounts can be connected from. */
export interface Platform {
  id: string;
  name: string;
  /** Set up on this server (client id and secret configured). */
  available: boolean;
  coming_soon: boolean;
}

/** An account offered for choosing after signing in (Facebook Pages). */
export interface OfferedAccount {
  remote_id: string;
  name: string | null;
  username: string | null;
  avatar_url: string | null;
  kind: string | null;
}

export interface PendingChoice {
  id: number;
  accounts: OfferedAccount[];
}

/** A file in a workspace's media library. */
export interface MediaItem {
  id: number;
  kind: 'image' | 'video';
  mime: string;
  format: string | null;
  name: string;
  alt_text: string | null;
  size: number;
  sha256: string;
  width: number;
  height: number;
  duration_s: number;
  fps: number;
  video_codec: string | null;
  audio_codec: string | null;
  animated: boolean;
  created_at: string;
  url: string;
  thumbnail_url: string | null;
  /** Whether the file suits each publishing target, when the server says. */
  fit?: Record<string, MediaFit> | null;
}

export interface MediaFit {
  ok: boolean;
  problems?: string[] | null;
  warnings?: string[] | null;
}

export interface MediaPage {
  items: MediaItem[];
  next_before: number | null;
  usage: { bytes: number; quota_bytes: number };
}

export interface Items<T> {
  items: T[];
}

const BASE = '/api/v1';

/** Any failed call: an HTTP error answer, a network failure or an unreadable reply. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, when the server names one. */
    readonly field: string | null = null,
    /** Seconds to wait, from Retry-After. */
    readonly retryAfter: number | null = null,
    /** The whole parsed error answer (422 `problems`, say), when it was JSON. */
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let unauthorized: (() => void) | null = null;

/** Remember the token from login, register, me or a password change. */
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called when any authenticated call answers 401. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions {
  body?: unknown;
  /** false: a 401 is just an error (sign-in form, start-up check), not "go sign in". */
  authRedirect?: boolean;
  /** Stops the request; the call then rejects with an AbortError (a DOMException), not an ApiError. */
  signal?: AbortSignal;
  /** Send this text as the body with this Content-Type instead of JSON (CSV imports). */
  raw?: { text: string; type: string };
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** The typed error for an error answer, from its status, headers and parsed body (if any). */
function errorFrom(status: number, statusText: string, retryHeader: string | null, data: unknown): ApiError {
  const retryAfter = retryHeader !== null && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  let code = 'http_' + status;
  let message = `The server answered ${status} ${statusText}`.trim() + '.';
  let field: string | null = null;
  const err = (data as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
  if (err && typeof err.code === 'string') code = err.code;
  if (err && typeof err.message === 'string' && err.message !== '') message = err.message;
  if (err && typeof err.field === 'string' && err.field !== '') field = err.field;
  if (code === 'too_many_requests' || code === 'busy') {
    const base = code === 'busy' ? 'The server is busy.' : 'Too many attempts.';
    message = retryAfter !== null ? `${base} Try again in ${waitText(retryAfter)}.` : `${base} Try again later.`;
  }
  if (message.length > 0) message = message[0]!.toUpperCase() + message.slice(1);
  if (!/[.!?…]$/.test(message)) message += '.';
  return new ApiError(status, code, message, field, retryAfter, data);
}

async function toError(res: Response): Promise<ApiError> {
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    /* not the error shape: keep the generic message */
  }
  return errorFrom(res.status, res.statusText, res.headers.get('Retry-After'), data);
}

async function send(
  method: Method,
  path: string,
  body: unknown,
  extra: { signal?: AbortSignal | undefined; raw?: { text: string; type: string } | undefined } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (extra.raw) headers['Content-Type'] = extra.raw.type;
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: extra.raw ? extra.raw.text : body === undefined ? null : JSON.stringify(body),
      signal: extra.signal ?? null,
    });
  } catch (err) {
    if (extra.signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
}

/** Whether a thrown value is a request stopped with its AbortSignal. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** One API call. Resolves to the parsed JSON (undefined for 204). */
export async function api<T>(method: Method, path: string, options: CallOptions = {}): Promise<T> {
  const extra = { signal: options.signal, raw: options.raw };
  let res = await send(method, path, options.body, extra);
  if (res.status === 403 && method !== 'GET') {
    // A stale CSRF token (another tab changed the password, say): fetch the current one, retry once.
    const err = await toError(res.clone());
    if (err.code === 'csrf_failed') {
      const me = await send('GET', '/me', undefined);
      if (me.ok) {
        const data = (await me.json()) as { csrf_token?: string };
        setCsrfToken(data.csrf_token);
        res = await send(method, path, options.body, extra);
      }
    }
  }
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && options.authRedirect !== false && unauthorized) unauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'bad_reply', 'The server sent a reply this page could not read.');
  }
}

export const get = <T>(path: string, options?: CallOptions) => api<T>('GET', path, options);
export const post = <T>(path: string, body?: unknown, options?: CallOptions) =>
  api<T>('POST', path, { ...options, body: body ?? {} });
export const put = <T>(path: string, body?: unknown, options?: CallOptions) =>
  api<T>('PUT', path, { ...options, body: body ?? {} });
export const patch = <T>(path: string, body?: unknown, options?: CallOptions) =>
  api<T>('PATCH', path, { ...options, body: body ?? {} });
export const del = <T = void>(path: string, options?: CallOptions) => api<T>('DELETE', path, options);

/** A path segment, escaped. */
export const seg = (value: string | number) => encodeURIComponent(String(value));

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

/** An upload in flight: its outcome, and a way to stop it. */
export interface Upload<T> {
  done: Promise<{ status: number; data: T }>;
  abort: () => void;
}

/** Thrown by an upload that was stopped with abort(). */
export class UploadAborted extends Error {
  override readonly name = 'UploadAborted';
  constructor() {
    super('The upload was cancelled.');
  }
}

/**
 * Send a file as the raw body of a POST, reporting progress (0..1).
 * XMLHttpRequest, not fetch: only it reports upload progress.
 * A stale CSRF token is refreshed and the upload tried once more.
 */
export function upload<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Upload<T> {
  let xhr: XMLHttpRequest | null = null;
  let aborted = false;
  const once = () =>
    new Promise<{ status: number; data: unknown; error: ApiError | null }>((resolve, reject) => {
      const req = new XMLHttpRequest();
      xhr = req;
      req.open('POST', BASE + path);
      // Same origin: the session cookie goes along without withCredentials.
      req.setRequestHeader('Accept', 'application/json');
      req.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      if (csrfToken) req.setRequestHeader('X-CSRF-Token', csrfToken);
      req.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      req.onload = () => {
        let data: unknown = null;
        try {
          data = req.responseText ? JSON.parse(req.responseText) : null;
        } catch {
          data = null;
        }
        if (req.status >= 200 && req.status < 300) {
          if (data === null) {
            resolve({
              status: req.status,
              data,
              error: new ApiError(req.status, 'bad_reply', 'The server sent a reply this page could not read.'),
            });
          } else resolve({ status: req.status, data, error: null });
          return;
        }
        resolve({
          status: req.status,
          data,
          error: errorFrom(req.status, req.statusText, req.getResponseHeader('Retry-After'), data),
        });
      };
      req.onerror = () =>
        reject(new ApiError(0, 'network', 'The upload did not reach the server. Check your connection and try again.'));
      req.onabort = () => reject(new UploadAborted());
      req.send(file);
    });

  const done = (async () => {
    let res = await once();
    if (res.error?.code === 'csrf_failed' && !aborted) {
      const me = await send('GET', '/me', undefined);
      if (me.ok) {
        const data = (await me.json()) as { csrf_token?: string };
        setCsrfToken(data.csrf_token);
        if (aborted) throw new UploadAborted();
        onProgress(0);
        res = await once();
      }
    }
    if (res.error) {
      if (res.status === 401 && unauthorized) unauthorized();
      throw res.error;
    }
    return { status: res.status, data: res.data as T };
  })();

  return {
    done,
    abort: () => {
      aborted = true;
      xhr?.abort();
    },
  };
}
