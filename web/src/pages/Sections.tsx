/*
 * Analytics, whose features arrive in a later version; for now it says
 * plainly what will appear there. Also the pieces every workspace page
 * shares (WithWorkspace, Icon).
 */
import type { ComponentChildren } from 'preact';
import { Page } from '../components/Layout';
import { EmptyState, Loading } from '../components/ui';
import { Link } from '../router';
import { currentWorkspace, useSession } from '../session';
import { roleLabel } from '../util';

/** Shown wherever a workspace is needed and the user has none yet. */
export function NoWorkspace() {
  return (
    <EmptyState title="Create your first workspace" icon={<Icon name="workspace" />}>
      <p>
        A workspace holds your team, your connected accounts and your posts. Create one, or ask a
        teammate for an invitation link to theirs.
      </p>
      <p>
        <Link class="button button-primary" href="/workspaces/new">
          Create a workspace
        </Link>
      </p>
    </EmptyState>
  );
}

/** Renders children with the chosen workspace, or the right state when there is none yet. */
export function WithWorkspace({ children }: { children: ComponentChildren }) {
  const session = useSession();
  if (session.status !== 'signed-in') return null;
  if (!session.workspaces) {
    return session.workspacesError ? null : <Loading label="Loading workspaces…" />;
  }
  if (session.workspaces.length === 0) return <NoWorkspace />;
  return <>{children}</>;
}

type IconName = 'calendar' | 'compose' | 'media' | 'video' | 'accounts' | 'analytics' | 'workspace';

const ICON_PATHS: Record<IconName, string> = {
  calendar: 'M7 3v3M17 3v3M4 9h16M5 5h14a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Z',
  compose: 'M4 20h4L19 9l-4-4L4 16v4ZM13 7l4 4',
  media: 'M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01',
  video: 'M4 6h11a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1ZM16 10.5l5-3v9l-5-3',
  accounts: 'M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM2.5 19a5.5 5.5 0 0 1 11 0M16 11a3 3 0 1 0 0-6M18 19h3.5a5.5 5.5 0 0 0-4.5-5.4',
  analytics: 'M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-3M20 16V6',
  workspace: 'M4 7h16v12H4zM9 7V5h6v2M4 12h16',
};

export function Icon({ name }: { name: IconName }) {
  return (
    <svg viewBox="0 0 24 24" width="40" height="40" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" focusable="false">
      <path d={ICON_PATHS[name]} />
    </svg>
  );
}

function Section({
  title,
  icon,
  emptyTitle,
  children,
}: {
  title: string;
  icon: IconName;
  emptyTitle: string;
  children: ComponentChildren;
}) {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page
      title={title}
      heading={title}
      intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}
    >
      <WithWorkspace>
        <EmptyState title={emptyTitle} icon={<Icon name={icon} />}>
          {children}
        </EmptyState>
      </WithWorkspace>
    </Page>
  );
}

export function Analytics() {
  return (
    <Section title="Analytics" icon="analytics" emptyTitle="No analytics yet">
      <p>
        Once posts are published, their metrics from each platform and the publishing results per
        platform will be shown here.
      </p>
    </Section>
  );
}
