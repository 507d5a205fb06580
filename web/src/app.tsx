import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { navigate, useNavigationCount, usePath } from './router';
import { Layout, Page, PRODUCT_NAME } from './components/Layout';
import { AppShell } from './components/AppShell';
import { ErrorBox, Loading } from './components/ui';
import { nextPath, startSession, useSession } from './session';
import { Landing } from './pages/Landing';
import { Privacy } from './pages/Privacy';
import { NotFound } from './pages/NotFound';
import { SignIn, SignUp } from './pages/Auth';
import { Analytics } from './pages/Sections';
import { Accounts } from './pages/Accounts';
import { AcceptInvitation, NewWorkspace } from './pages/Workspaces';
import { WorkspaceSettings } from './pages/settings/WorkspaceSettings';
import { Members } from './pages/settings/Members';
import { Invitations } from './pages/settings/Invitations';
import { Activity } from './pages/settings/Activity';
import { ApiKeys, Profile, Sessions } from './pages/settings/Account';

/**
 * A page loaded on first visit, in its own chunk (keeps the first download small).
 * Shows a loading line meanwhile, and a retry if the chunk cannot be fetched.
 */
function lazyPage(load: () => Promise<ComponentType>): ComponentType & { preload: () => void } {
  let loaded: ComponentType | null = null;
  const LazyPage = function LazyPage() {
    const [View, setView] = useState<ComponentType | null>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    const [tick, setTick] = useState(0);
    useEffect(() => {
      if (View) return;
      let live = true;
      load().then(
        (v) => {
          loaded = v;
          if (live) setView(() => v);
        },
        () => {
          if (live) setError(new Error('This page could not be loaded. Check your connection and try again.'));
        },
      );
      return () => {
        live = false;
      };
    }, [tick]);
    if (View) return <View />;
    if (error) {
      return (
        <ErrorBox
          error={error}
          onRetry={() => {
            setError(null);
            setTick((n) => n + 1);
          }}
        />
      );
    }
    return <Loading />;
  };
  /** Fetch the chunk ahead of the first visit (a failure is retried on the visit). */
  let preloading = false;
  LazyPage.preload = () => {
    if (loaded || preloading) return;
    preloading = true;
    load().then(
      (v) => (loaded = v),
      () => (preloading = false),
    );
  };
  return LazyPage;
}

const Media = lazyPage(() => import('./pages/Media').then((m) => m.Media));
const Calendar = lazyPage(() => import('./pages/Calendar').then((m) => m.Calendar));
const Compose = lazyPage(() => import('./pages/Compose').then((m) => m.Compose));
const Approvals = lazyPage(() => import('./pages/Approvals').then((m) => m.Approvals));
const Queue = lazyPage(() => import('./pages/Queue').then((m) => m.Queue));
const Campaigns = lazyPage(() => import('./pages/Campaigns').then((m) => m.Campaigns));
const Notifications = lazyPage(() => import('./pages/Notifications').then((m) => m.Notifications));
const NotificationPreferences = lazyPage(() =>
  import('./pages/settings/NotificationPrefs').then((m) => m.NotificationPreferences),
);
const Webhooks = lazyPage(() => import('./pages/settings/Webhooks').then((m) => m.Webhooks));

/** Client routes. The server answers each of these paths with index.html. */
const PUBLIC_ROUTES: Readonly<Record<string, ComponentType>> = {
  '/': Landing,
  '/privacy': Privacy,
  '/signin': SignIn,
  '/signup': SignUp,
};

const APP_ROUTES: Readonly<Record<string, ComponentType>> = {
  '/calendar': Calendar,
  '/compose': Compose,
  '/approvals': Approvals,
  '/queue': Queue,
  '/campaigns': Campaigns,
  '/media': Media,
  '/accounts': Accounts,
  '/analytics': Analytics,
  '/privacy': Privacy,
  '/workspaces/new': NewWorkspace,
  '/settings/workspace': WorkspaceSettings,
  '/settings/members': Members,
  '/settings/invitations': Invitations,
  '/settings/activity': Activity,
  '/settings/notifications': NotificationPreferences,
  '/settings/webhooks': Webhooks,
  '/notifications': Notifications,
  '/settings/profile': Profile,
  '/settings/sessions': Sessions,
  '/settings/api-keys': ApiKeys,
};

/** Views that start afresh on each navigation to them, even to the same path. */
const FRESH_EACH_VISIT = new Set(['/compose']);

/** Signed-in paths that lead elsewhere. */
const APP_REDIRECTS: Readonly<Record<string, () => string>> = {
  '/': () => '/calendar',
  '/settings': () => '/settings/workspace',
  '/signin': () => nextPath() ?? '/calendar',
  '/signup': () => nextPath() ?? '/calendar',
};

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function inviteToken(path: string): string | null {
  const m = /^\/invite\/([^/]+)$/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

function Starting() {
  return (
    <div class="starting">
      <Loading label={`Starting ${PRODUCT_NAME}…`} />
    </div>
  );
}

export function App() {
  const path = usePath();
  const visit = useNavigationCount();
  const session = useSession();

  useEffect(() => {
    void startSession();
  }, []);

  if (session.status === 'loading') return <Starting />;

  if (session.status === 'error') {
    return (
      <Layout>
        <Page title="Could not start" heading="Could not start">
          <ErrorBox error={new Error(session.message)} onRetry={() => void startSession()} />
        </Page>
      </Layout>
    );
  }

  const token = inviteToken(path);

  if (session.status === 'signed-out') {
    // The calendar comes right after signing in: fetch its code while the form is filled in.
    if (path === '/signin' || path === '/signup') window.setTimeout(Calendar.preload, 0);
    if (token !== null) {
      return (
        <Layout>
          <AcceptInvitation key={token} token={token} />
        </Layout>
      );
    }
    if (Object.hasOwn(PUBLIC_ROUTES, path)) {
      const View = PUBLIC_ROUTES[path]!;
      return (
        <Layout>
          <View key={path} />
        </Layout>
      );
    }
    if (Object.hasOwn(APP_ROUTES, path) || Object.hasOwn(APP_REDIRECTS, path)) {
      return <Redirect to={`/signin?next=${encodeURIComponent(path)}`} />;
    }
    return (
      <Layout>
        <NotFound key={path} />
      </Layout>
    );
  }

  if (Object.hasOwn(APP_REDIRECTS, path)) return <Redirect to={APP_REDIRECTS[path]!()} />;
  let view;
  if (token !== null) view = <AcceptInvitation key={token} token={token} />;
  else if (Object.hasOwn(APP_ROUTES, path)) {
    const View = APP_ROUTES[path]!;
    // The composer starts afresh on every visit ("New post" while editing one, say),
    // but not when it puts the id of a post it just created into the address.
    view = <View key={FRESH_EACH_VISIT.has(path) ? `${path}#${visit}` : path} />;
  } else view = <NotFound key={path} />;
  return <AppShell session={session}>{view}</AppShell>;
}
