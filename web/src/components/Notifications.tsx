/*
 * Notifications in the app shell: the bell with the unread count and its
 * panel of the latest ones, the toasts of new ones, and the entry both the
 * panel and the notifications page list.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from '../router';
import { getSession, selectWorkspace } from '../session';
import { formatTime, relativeTime } from '../util';
import {
  dismissToast,
  linkOf,
  listNotifications,
  markAllRead,
  markRead,
  notificationTime,
  platformName,
  useNotificationChanges,
  useToasts,
  useUnreadCount,
} from '../notifications';
import type { AppNotification, NotificationChange, Toast } from '../notifications';
import { ErrorBox, Loading, usePopover } from './ui';

/** How long a toast stays (while not hovered or focused). */
const TOAST_MS = 8000;
/** How many the bell's panel shows at first, and adds with "Load more". */
const PANEL_PAGE = 10;

/** The name of a workspace, when the person has more than one (else null: no need to say). */
export function workspaceNameOf(id: number): string | null {
  const s = getSession();
  if (s.status !== 'signed-in' || !s.workspaces || s.workspaces.length < 2) return null;
  return s.workspaces.find((w) => w.id === id)?.name ?? null;
}

/** Mark read without waiting; a failure leaves it unread (the lists show it so). */
function markReadQuietly(n: AppNotification): void {
  if (n.read_at === null) void markRead(n).catch(() => undefined);
}

/**
 * Where a notification leads, as a link: on the platform in a new tab, or a
 * page of this app (in the notification's workspace). Following it marks the
 * notification read.
 */
export function NotificationLink({
  n,
  children,
  class: className,
  onFollow,
}: {
  n: AppNotification;
  children: ComponentChildren;
  class?: string;
  onFollow?: () => void;
}) {
  const to = linkOf(n);
  const follow = () => {
    markReadQuietly(n);
    onFollow?.();
  };
  if (!to) return null;
  if (to.kind === 'platform') {
    return (
      <a class={className} href={to.href} target="_blank" rel="noopener noreferrer" onClick={follow}>
        {children}
        <span class="visually-hidden"> (opens {platformName(n)} in a new tab)</span>
        <span class="notif-external" aria-hidden="true">
          {' '}
          ↗
        </span>
      </a>
    );
  }
  return (
    <Link
      class={className}
      href={to.href}
      onClick={(e) => {
        // An app page shows the chosen workspace: choose the notification's first.
        const s = getSession();
        const plain = e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
        if (plain && s.status === 'signed-in' && s.workspaceId !== n.workspace_id && s.workspaces?.some((w) => w.id === n.workspace_id)) {
          selectWorkspace(n.workspace_id);
        }
        follow();
      }}
    >
      {children}
    </Link>
  );
}

function When({ n }: { n: AppNotification }) {
  const iso = notificationTime(n);
  if (!iso) return null;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

/** One notification in a list: title (leading where it points), body, time, workspace; unread marked. */
export function NotificationEntry({
  n,
  onFollow,
  showWorkspace = true,
}: {
  n: AppNotification;
  onFollow?: () => void;
  showWorkspace?: boolean;
}) {
  const unread = n.read_at === null;
  const ws = showWorkspace ? workspaceNameOf(n.workspace_id) : null;
  const to = linkOf(n);
  const title = (
    <>
      {n.title}
      {unread && <span class="visually-hidden"> (unread)</span>}
    </>
  );
  return (
    <li class={unread ? 'notif notif-unread' : 'notif'} data-notification-id={n.id} data-event={n.event}>
      <span class="notif-dot" aria-hidden="true" />
      <div class="notif-main">
        <p class="notif-title">
          {to ? (
            <NotificationLink n={n} onFollow={onFollow}>
              {title}
            </NotificationLink>
          ) : unread ? (
            // Nowhere to go: clicking it marks it read.
            <button type="button" class="notif-title-button" onClick={() => markReadQuietly(n)}>
              {title}
            </button>
          ) : (
            title
          )}
        </p>
        {n.body && <p class="notif-body">{n.body}</p>}
        <p class="notif-meta">
          <When n={n} />
          {ws && <span> · {ws}</span>}
        </p>
      </div>
    </li>
  );
}

/** Apply a change (new, read, all read) to a list shown; null: read the list again. */
export function applyChange(
  list: AppNotification[],
  c: NotificationChange,
  accepts: (n: AppNotification) => boolean,
): AppNotification[] | null {
  switch (c.type) {
    case 'new':
      if (!accepts(c.notification) || list.some((n) => n.id === c.notification.id)) return list;
      return [c.notification, ...list];
    case 'read':
      return list.map((n) => (n.id === c.notification.id ? { ...n, read_at: c.notification.read_at ?? new Date().toISOString() } : n));
    case 'all-read':
      return list.map((n) =>
        n.read_at === null && (c.workspaceId === null || n.workspace_id === c.workspaceId) && (c.upToId === null || n.id <= c.upToId)
          ? { ...n, read_at: c.at }
          : n,
      );
    case 'reset':
      return null;
  }
}

/* ---------- The bell ---------- */

function BellIcon() {
  return (
    <svg class="notif-bell-icon" viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" focusable="false" aria-hidden="true">
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

function NotificationPanel({ onClose }: { onClose: () => void }) {
  const [items, setItems] = useState<AppNotification[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const { total } = useUnreadCount();

  useEffect(() => {
    let live = true;
    setError(null);
    listNotifications({ limit: PANEL_PAGE }).then(
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
  }, [tick]);

  useNotificationChanges((c) => {
    if (!items) return;
    const changed = applyChange(items, c, () => true);
    if (changed === null) setTick((n) => n + 1);
    else if (changed !== items) setItems(changed);
  });

  const loadMore = async () => {
    if (next === null || !items) return;
    setBusy(true);
    setError(null);
    try {
      const page = await listNotifications({ limit: PANEL_PAGE, cursor: next });
      setItems([...items, ...page.notifications.filter((n) => !items.some((m) => m.id === n.id))]);
      setNext(page.next_cursor);
      setStatus(`${items.length + page.notifications.length} notifications shown.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const markAll = async () => {
    setBusy(true);
    setError(null);
    try {
      const newest = items && items.length > 0 ? Math.max(...items.map((n) => n.id)) : null;
      const marked = await markAllRead({ upToId: newest });
      setStatus(marked === 1 ? '1 notification marked read.' : `${marked} notifications marked read.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="notif-panel" class="notif-panel" aria-labelledby="notif-panel-title">
      <div class="notif-panel-head">
        <h2 id="notif-panel-title">Notifications</h2>
        <button type="button" class="button button-secondary button-small" disabled={busy || !total} onClick={markAll}>
          Mark all read
        </button>
      </div>
      {error !== null && <ErrorBox error={error} onRetry={items ? undefined : () => setTick((n) => n + 1)} />}
      {items === null && error === null && <Loading label="Loading notifications…" />}
      {items !== null &&
        (items.length === 0 ? (
          <p class="notif-empty">Nothing yet. When a post is published or fails, or someone joins, you hear of it here.</p>
        ) : (
          <ul class="notif-list" aria-label="Latest notifications">
            {items.map((n) => (
              <NotificationEntry key={n.id} n={n} onFollow={onClose} />
            ))}
          </ul>
        ))}
      {items !== null && next !== null && (
        <p class="notif-more">
          <button type="button" class="button button-secondary button-small" disabled={busy} onClick={loadMore}>
            {busy ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}
      <p class="notif-panel-foot">
        <Link href="/notifications">All notifications</Link>
        <Link href="/settings/notifications">Preferences</Link>
      </p>
      <p class="visually-hidden" role="status">
        {status}
      </p>
    </section>
  );
}

export function NotificationBell() {
  const { total } = useUnreadCount();
  const { open, setOpen, wrapRef, buttonRef } = usePopover();

  const unread = total ?? 0;
  return (
    <div class="notif-menu" ref={wrapRef}>
      <button
        ref={buttonRef}
        type="button"
        class="notif-button"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="notif-panel"
        data-unread={unread}
        onClick={() => setOpen(!open)}
      >
        <BellIcon />
        <span class="visually-hidden">Notifications{unread > 0 ? `, ${unread} unread` : ''}</span>
        {unread > 0 && (
          <span class="notif-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <NotificationPanel
          onClose={() => {
            setOpen(false);
          }}
        />
      )}
    </div>
  );
}

/* ---------- Toasts ---------- */

function ToastView({ toast }: { toast: Toast }) {
  const n = toast.notification;
  const remaining = useRef(TOAST_MS);
  const started = useRef(0);
  const timer = useRef<number | null>(null);
  const hovered = useRef(false);
  const focused = useRef(false);
  const ws = workspaceNameOf(n.workspace_id);
  const to = linkOf(n);

  const pause = () => {
    if (timer.current === null) return;
    window.clearTimeout(timer.current);
    timer.current = null;
    remaining.current -= Date.now() - started.current;
  };
  const resume = () => {
    if (timer.current !== null || hovered.current || focused.current || document.hidden) return;
    started.current = Date.now();
    timer.current = window.setTimeout(() => dismissToast(toast.key), Math.max(1500, remaining.current));
  };

  useEffect(() => {
    resume();
    const onVisibility = () => (document.hidden ? pause() : resume());
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      if (timer.current !== null) window.clearTimeout(timer.current);
    };
  }, []);

  return (
    <div
      class="toast"
      data-notification-id={n.id}
      data-event={n.event}
      onMouseEnter={() => {
        hovered.current = true;
        pause();
      }}
      onMouseLeave={() => {
        hovered.current = false;
        resume();
      }}
      onFocusIn={() => {
        focused.current = true;
        pause();
      }}
      onFocusOut={(e) => {
        const next = e.relatedTarget as Node | null;
        if (next && (e.currentTarget as HTMLElement).contains(next)) return;
        focused.current = false;
        resume();
      }}
    >
      <div class="toast-text">
        <p class="toast-title">{n.title}</p>
        {n.body && <p class="toast-body">{n.body}</p>}
        {(to || ws) && (
          <p class="toast-meta">
            {to && (
              <NotificationLink n={n} onFollow={() => dismissToast(toast.key)}>
                {to.kind === 'platform' ? `View on ${platformName(n)}` : 'Open'}
              </NotificationLink>
            )}
            {to && ws && ' · '}
            {ws && <span>{ws}</span>}
          </p>
        )}
      </div>
      <button type="button" class="toast-close" aria-label={`Dismiss: ${n.title}`} onClick={() => dismissToast(toast.key)}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}

/** New notifications as toasts: announced politely, at most three, each gone after a few seconds. */
export function ToastStack() {
  const toasts = useToasts();
  return (
    <div class="toast-stack" aria-live="polite" aria-relevant="additions">
      {toasts.map((t) => (
        <ToastView key={t.key} toast={t} />
      ))}
    </div>
  );
}
