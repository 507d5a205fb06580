/* The settings area: a side menu of workspace and account pages. */
import type { ComponentChildren } from 'preact';
import type { Workspace } from '../../api';
import { Page } from '../../components/Layout';
import { Link, usePath } from '../../router';
import { currentWorkspace, useSession } from '../../session';
import { isAdmin } from '../../util';
import { WithWorkspace } from '../Sections';

type Item = { href: string; label: string; admin?: boolean };

const WORKSPACE_ITEMS: readonly Item[] = [
  { href: '/settings/workspace', label: 'General' },
  { href: '/settings/members', label: 'Members' },
  { href: '/settings/invitations', label: 'Invitations', admin: true },
  { href: '/settings/activity', label: 'Activity', admin: true },
  { href: '/settings/notifications', label: 'Notifications' },
  // Shown to everyone: the page says who may manage webhooks.
  { href: '/settings/webhooks', label: 'Webhooks' },
];

const ACCOUNT_ITEMS: readonly Item[] = [
  { href: '/settings/profile', label: 'Profile' },
  { href: '/settings/sessions', label: 'Sessions' },
  { href: '/settings/api-keys', label: 'API keys' },
];

function NavGroup({ id, title, items, path }: { id: string; title: string; items: readonly Item[]; path: string }) {
  return (
    <div class="settings-group">
      <h2 class="settings-group-title" id={id}>
        {title}
      </h2>
      <ul aria-labelledby={id}>
        {items.map((item) => (
          <li key={item.href}>
            <Link href={item.href} aria-current={path === item.href ? 'page' : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function SettingsLayout({ children }: { children: ComponentChildren }) {
  const path = usePath();
  const session = useSession();
  const workspace = currentWorkspace(session);
  const admin = isAdmin(workspace?.role);
  const workspaceItems = WORKSPACE_ITEMS.filter((item) => !item.admin || admin);
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label="Settings">
        {workspace && (
          <NavGroup id="settings-nav-workspace" title="Workspace" items={workspaceItems} path={path} />
        )}
        <NavGroup id="settings-nav-account" title="Your account" items={ACCOUNT_ITEMS} path={path} />
      </nav>
      <div class="settings-body">{children}</div>
    </div>
  );
}

/**
 * A workspace settings page: the chosen workspace is passed on (the content
 * remounts when it changes); with none yet, the create-one state.
 */
export function WorkspacePage({
  title,
  adminOnly,
  children,
}: {
  title: string;
  adminOnly?: boolean;
  children: (workspace: Workspace) => ComponentChildren;
}) {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <SettingsLayout>
      <Page title={title} heading={title} intro={workspace ? `Workspace: ${workspace.name}` : undefined}>
        <WithWorkspace>
          {workspace &&
            (adminOnly && !isAdmin(workspace.role) ? (
              <p class="notice">
                Only owners and admins of {workspace.name} can see this page. Your role here is{' '}
                {workspace.role}.
              </p>
            ) : (
              <div key={workspace.id}>{children(workspace)}</div>
            ))}
        </WithWorkspace>
      </Page>
    </SettingsLayout>
  );
}
