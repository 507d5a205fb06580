/*
 * How many posts wait for approval, for the badge in the navigation. Kept
 * apart from the post screens so the main bundle stays small.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, seg } from './api';

interface PendingPage {
  posts?: unknown[];
  next_cursor?: unknown;
}

const PENDING_LIMIT = 50;
let pending: { workspace: number; count: number; more: boolean; at: number } | null = null;
/** How long a count is shown without asking again (the post screens refresh it after each change). */
const FRESH_MS = 60_000;
const pendingListeners = new Set<() => void>();
let pendingSeq = 0;

/** Ask the server again how many posts wait for approval (after a submit, approve, …). */
export function refreshPending(workspaceId: number | null): void {
  if (workspaceId === null) return;
  const seq = ++pendingSeq;
  get<PendingPage>(`/workspaces/${seg(workspaceId)}/posts?state=pending_approval&limit=${PENDING_LIMIT}`).then(
    (r) => {
      if (seq !== pendingSeq) return;
      const posts = Array.isArray(r?.posts) ? r.posts : [];
      pending = { workspace: workspaceId, count: posts.length, more: !!r.next_cursor, at: Date.now() };
      for (const l of pendingListeners) l();
    },
    () => {
      /* the badge is a nicety: no count on failure */
      if (seq !== pendingSeq) return;
      pending = null;
      for (const l of pendingListeners) l();
    },
  );
}

/** "3", "50+", or null when none or unknown. */
export function usePendingCount(workspaceId: number | null): string | null {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    pendingListeners.add(update);
    return () => {
      pendingListeners.delete(update);
    };
  }, []);
  useEffect(() => {
    // The shell mounts again after a redirect (/settings, say): a fresh count is kept.
    if (pending && pending.workspace === workspaceId && Date.now() - pending.at < FRESH_MS) return;
    refreshPending(workspaceId);
  }, [workspaceId]);
  if (!pending || pending.workspace !== workspaceId || pending.count === 0) return null;
  return pending.more ? `${pending.count}+` : String(pending.count);
}
