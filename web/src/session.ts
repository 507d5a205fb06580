/*
 * Who is signed in, their workspaces and the chosen one. One small store,
 * read through useSession(); the chosen workspace survives reloads in
 * localStorage.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, onUnauthorized, post, setCsrfToken } from './api';
import type { Items, User, Workspace } from './api';
import { currentPath, navigate } from './router';
import { setFlash } from './components/Layout';
import { setDisplayTimeZone } from './util';
import { closeStream } from './stream';
import { forgetNotifications } from './notifications';

export type SessionState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'signed-out' }
  | {
      status: 'signed-in';
      user: User;
      /** null while loading. */
      workspaces: Workspace[] | null;
      workspacesError: string | null;
      workspaceId: number | null;
    };

export type SignedIn = Extract<SessionState, { status: 'signed-in' }>;

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();

function set(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function getSession(): SessionState {
  return state;
}

export function useSession(): SessionState {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return state;
}

/** The chosen workspace, if any. */
export function currentWorkspace(s: SessionState): Workspace | null {
  if (s.status !== 'signed-in' || !s.workspaces) return null;
  return s.workspaces.find((w) => w.id === s.workspaceId) ?? null;
}

const storageKey = (userId: number) => `p2s.workspace.${userId}`;

function storedWorkspace(userId: number): number | null {
  try {
    const raw = localStorage.getItem(storageKey(userId));
    return raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  } catch {
    return null;
  }
}

function storeWorkspace(userId: number, id: number | null): void {
  try {
    if (id === null) localStorage.removeItem(storageKey(userId));
    else localStorage.setItem(storageKey(userId), String(id));
  } catch {
    /* storage may be off: the choice just won't survive a reload */
  }
}

function pick(workspaces: Workspace[], wanted: number | null): number | null {
  if (wanted !== null && workspaces.some((w) => w.id === wanted)) return wanted;
  return workspaces[0]?.id ?? null;
}

/** (Re)load the workspace list; prefer `select`, then the current or stored choice. */
export async function loadWorkspaces(select?: number): Promise<void> {
  const s = state;
  if (s.status !== 'signed-in') return;
  try {
    const { items } = await get<Items<Workspace>>('/workspaces');
    const now = state;
    if (now.status !== 'signed-in' || now.user.id !== s.user.id) return;
    const wanted = select ?? now.workspaceId ?? storedWorkspace(now.user.id);
    const workspaceId = pick(items, wanted);
    storeWorkspace(now.user.id, workspaceId);
    set({ ...now, workspaces: items, workspacesError: null, workspaceId });
  } catch (err) {
    const now = state;
    if (now.status !== 'signed-in') return;
    set({ ...now, workspacesError: err instanceof Error ? err.message : 'Could not load workspaces.' });
  }
}

export function selectWorkspace(id: number): void {
  const s = state;
  if (s.status !== 'signed-in') return;
  storeWorkspace(s.user.id, id);
  set({ ...s, workspaceId: id });
}

/** After sign-in, sign-up or on start-up with a valid session. */
export function signedIn(user: User, csrf: string | null | undefined): void {
  if (state.status === 'signed-in' && state.user.id !== user.id) {
    // Someone else now: the stream and the notifications were the other person's.
    closeStream();
    forgetNotifications();
  }
  setCsrfToken(csrf);
  setDisplayTimeZone(user.timezone);
  set({ status: 'signed-in', user, workspaces: null, workspacesError: null, workspaceId: null });
  void loadWorkspaces();
}

export function updateUser(user: User): void {
  setDisplayTimeZone(user.timezone);
  if (state.status === 'signed-in') set({ ...state, user });
}

export function signedOut(): void {
  closeStream();
  forgetNotifications();
  setCsrfToken(null);
  set({ status: 'signed-out' });
}

/** Ask the server who we are. */
export async function startSession(): Promise<void> {
  try {
    const me = await get<{ user: User; csrf_token?: string }>('/me', { authRedirect: false });
    signedIn(me.user, me.csrf_token);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) set({ status: 'signed-out' });
    else set({ status: 'error', message: err instanceof Error ? err.message : 'Could not start.' });
  }
}

/** Sign out, then show the sign-in page (coming back to `next` after it, if given). */
export async function signOut(next?: string): Promise<void> {
  try {
    await post('/auth/logout', undefined, { authRedirect: false });
  } catch (err) {
    // Already signed out is fine; anything else leaves the session as it is.
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  signedOut();
  setFlash('You have signed out.', '/signin');
  navigate(next ? `/signin?next=${encodeURIComponent(next)}` : '/signin');
}

/** A path inside this app to return to after signing in, from ?next=. */
export function nextPath(): string | null {
  const next = new URLSearchParams(window.location.search).get('next');
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')) return next;
  return null;
}

/** Any call that answers 401 while we thought we were signed in: go sign in. */
onUnauthorized(() => {
  if (state.status !== 'signed-in') return;
  signedOut();
  const here = currentPath();
  navigate(here === '/' ? '/signin' : `/signin?next=${encodeURIComponent(here)}`);
});
