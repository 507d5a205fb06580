/* Notifications: every notification of the signed-in person, newest first, paged; filters by unread and workspace. */
import { useEffect, useState } from 'preact/hooks';
import { Page } from '../components/Layout';
import { EmptyState, ErrorBox, Loading } from '../components/ui';
import { NotificationEntry, applyChange } from '../components/Notifications';
import { listNotifications, markAllRead, useNotificationChanges, useUnreadCount } from '../notifications';
import type { AppNotification } from '../notifications';
import { Link } from '../router';
import { useSession } from '../session';

const PAGE = 50;

export function Notifications() {
  const session = useSession();
  const workspaces = session.status === 'signed-in' ? (session.workspaces ?? []) : [];
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [workspaceId, setWorkspaceId] = useState<number | null>(null);
  const [items, setItems] = useState<AppNotification[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const { total, byWorkspace } = useUnreadCount();

  useEffect(() => {
    let live = true;
    setItems(null);
    setError(null);
    setMoreError(null);
    listNotifications({ limit: PAGE, unread: unreadOnly, workspaceId }).then(
      (page) => {
        if (!live) return;
        setItems(page.notifications);
        setNext(page.next_cursor);
      },
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [unreadOnly, workspaceId, tick]);

  const accepts = (n: AppNotification) => (workspaceId === null || n.workspace_id === workspaceId) && (!unreadOnly || n.read_at === null);
  useNotificationChanges((c) => {
    if (!items) return;
    const changed = applyChange(items, c, accepts);
    if (changed === null) setTick((n) => n + 1);
    else if (changed !== items) setItems(changed);
  });

  const loadMore = async () => {
    if (next === null || !items) return;
    setBusy(true);
    setMoreError(null);
    try {
      const page = await listNotifications({ limit: PAGE, cursor: next, unread: unreadOnly, workspaceId });
      const all = [...items, ...page.notifications.filter((n) => !items.some((m) => m.id === n.id))];
      setItems(all);
      setNext(page.next_cursor);
      setStatus(`${all.length} notifications shown.`);
    } catch (err) {
      setMoreError(err);
    } finally {
      setBusy(false);
    }
  };

  const unreadHere = workspaceId === null ? (total ?? 0) : (byWorkspace[String(workspaceId)] ?? 0);
  const markAll = async () => {
    setBusy(true);
    setMoreError(null);
    try {
      const newest = items && items.length > 0 ? Math.max(...items.map((n) => n.id)) : null;
      const marked = await markAllRead({ workspaceId, upToId: newest });
      setStatus(marked === 1 ? '1 notification marked read.' : `${marked} notifications marked read.`);
    } catch (err) {
      setMoreError(err);
    } finally {
      setBusy(false);
    }
  };

  const wsName = workspaceId === null ? null : (workspaces.find((w) => w.id === workspaceId)?.name ?? null);
  return (
    <Page title="Notifications" heading="Notifications" intro={total ? `${total} unread` : 'All read'}>
      <form class="notif-filters" aria-label="Filter notifications" onSubmit={(e) => e.preventDefault()}>
        <div class="field field-check">
          <input id="notif-unread-only" type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.currentTarget.checked)} />
          <label for="notif-unread-only">Unread only</label>
        </div>
        {workspaces.length > 1 && (
          <div class="field">
            <label for="notif-workspace">Workspace</label>
            <select
              id="notif-workspace"
              value={workspaceId === null ? '' : String(workspaceId)}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setWorkspaceId(v === '' ? null : Number(v));
              }}
            >
              <option value="">All workspaces</option>
              {workspaces.map((w) => {
                const n = byWorkspace[String(w.id)] ?? 0;
                return (
                  <option key={w.id} value={String(w.id)}>
                    {w.name}
                    {n > 0 ? ` (${n} unread)` : ''}
                  </option>
                );
              })}
            </select>
          </div>
        )}
        <div class="notif-filters-actions">
          <button type="button" class="button button-secondary button-small" disabled={busy || unreadHere === 0} onClick={markAll}>
            {wsName ? `Mark all read in ${wsName}` : 'Mark all read'}
          </button>
        </div>
      </form>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {error !== null && <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />}
      {items === null && error === null && <Loading label="Loading notifications…" />}
      {items !== null &&
        (items.length === 0 ? (
          <EmptyState title={unreadOnly ? 'Nothing unread' : 'No notifications yet'}>
            <p>
              {unreadOnly
                ? 'You have read everything here.'
                : 'When a post is published or fails, an account needs reconnecting or someone joins, you hear of it here.'}{' '}
              <Link href="/settings/notifications">Choose what you are told of</Link>.
            </p>
          </EmptyState>
        ) : (
          <>
            <ul class="notif-list notif-page-list" aria-label={wsName ? `Notifications in ${wsName}` : 'Notifications'}>
              {items.map((n) => (
                <NotificationEntry key={n.id} n={n} showWorkspace={workspaceId === null} />
              ))}
            </ul>
            {moreError !== null && <ErrorBox error={moreError} />}
            <p class="list-footer">
              {next !== null ? (
                <button type="button" class="button button-secondary" disabled={busy} onClick={loadMore}>
                  {busy ? 'Loading…' : 'Load more'}
                </button>
              ) : (
                <span class="muted">
                  That is everything: {items.length} notification{items.length === 1 ? '' : 's'}.
                </span>
              )}
            </p>
          </>
        ))}
    </Page>
  );
}
