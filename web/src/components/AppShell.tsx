/* The frame of the signed-in app: header, workspace switcher, user menu, navigation. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api';
import { Link, usePath } from '../router';
import { loadWorkspaces, selectWorkspace, signOut } from '../session';
import type { SignedIn } from '../session';
import { roleLabel } from '../util';
import { usePendingCount } from '../pending';
import { Footer, PRODUCT_NAME } from './Layout';
import { NotificationBell, ToastStack } from './Notifications';
import { usePopover } from './ui';
import { followNotifications } from '../notifications';

const NAV: readonly { href: string; label: string }[] = [
  { href: '/calendar', label: 'Calendar' },
  { href: '/compose', label: 'New post' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/queue', label: 'Queue' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/media', label: 'Media' },
  { href: '/accounts', label: 'Accounts' },
  { href: '/analytics', label: 'Analytics' },
  { href: '/settings', label: 'Settings' },
];

function isCurrent(path: string, href: string): boolean {
  return path === href || path.startsWith(href + '/');
}

function WorkspaceSwitcher({ session }: { session: SignedIn }) {
  const { workspaces, workspaceId, workspacesError } = session;
  if (workspacesError && !workspaces) {
    return (
      <div class="switcher">
        <p class="switcher-error" role="alert">
          Workspaces did not load.{' '}
          <button type="button" class="link-button" onClick={() => void loadWorkspaces()}>
            Try again
          </button>
        </p>
      </div>
    );
  }
  return (
    <div class="switcher">
      <label for="workspace-switcher" class="switcher-label">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        disabled={!workspaces || workspaces.length === 0}
        value={workspaceId === null ? '' : String(workspaceId)}
        onChange={(e) => {
          const id = Number(e.currentTarget.value);
          if (Number.isInteger(id) && id > 0) selectWorkspace(id);
        }}
      >
        {!workspaces && <option value="">Loading…</option>}
        {workspaces && workspaces.length === 0 && <option value="">No workspace yet</option>}
        {workspaces?.map((w) => (
          <option key={w.id} value={String(w.id)}>
            {w.name} ({roleLabel(w.role)})
          </option>
        ))}
      </select>
      <Link class="button button-secondary button-small switcher-new" href="/workspaces/new">
        New workspace
      </Link>
    </div>
  );
}

function UserMenu({ session }: { session: SignedIn }) {
  const [error, setError] = useState<string | null>(null);
  const { open, setOpen, wrapRef, buttonRef } = usePopover();

  const initial = session.user.name.trim().charAt(0).toUpperCase() || '?';
  return (
    <div
      class="user-menu"
      ref={wrapRef}
      onFocusOut={(e) => {
        const next = e.relatedTarget as Node | null;
        if (next && wrapRef.current && !wrapRef.current.contains(next)) setOpen(false);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        class="user-button"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls="user-menu-list"
        onClick={() => setOpen(!open)}
      >
        <span class="avatar" aria-hidden="true">
          {initial}
        </span>
        <span class="user-name">{session.user.name}</span>
        <span class="visually-hidden">: account menu</span>
        <span class="caret" aria-hidden="true" />
      </button>
      <div id="user-menu-list" class="user-menu-list" hidden={!open}>
        <p class="user-menu-email">{session.user.email}</p>
        <ul>
          <li>
            <Link href="/settings/profile">Profile</Link>
          </li>
          <li>
            <Link href="/settings/sessions">Sessions</Link>
          </li>
          <li>
            <Link href="/settings/api-keys">API keys</Link>
          </li>
          <li>
            <button
              type="button"
              class="menu-button"
              onClick={async () => {
                setError(null);
                try {
                  await signOut();
                } catch (err) {
                  setError(`Could not sign out: ${messageOf(err)}`);
                }
              }}
            >
              Sign out
            </button>
          </li>
        </ul>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

export function AppShell({ session, children }: { session: SignedIn; children?: ComponentChildren }) {
  const path = usePath();
  const pending = usePendingCount(session.workspaces && session.workspaces.length > 0 ? session.workspaceId : null);
  // The unread count, then new notifications as they come (the tab's one event stream).
  useEffect(() => followNotifications(), [session.user.id]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <div class="container app-header-top">
          <Link class="brand" href="/calendar" aria-label={`${PRODUCT_NAME} home`}>
            <span class="brand-mark" aria-hidden="true">
              P
            </span>
            <span>{PRODUCT_NAME}</span>
          </Link>
          <WorkspaceSwitcher session={session} />
          <NotificationBell />
          <UserMenu session={session} />
        </div>
        <nav class="app-nav" aria-label="Main">
          <ul class="container">
            {NAV.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  aria-current={isCurrent(path, item.href) ? 'page' : undefined}
                  aria-label={item.href === '/approvals' && pending ? `${item.label} (${pending} waiting)` : undefined}
                >
                  {item.label}
                  {item.href === '/approvals' && pending && (
                    <span class="nav-count" aria-hidden="true">
                      {pending}
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" class="site-main" tabIndex={-1}>
        <div class="container">{children}</div>
      </main>
      <Footer />
      <ToastStack />
    </>
  );
}
