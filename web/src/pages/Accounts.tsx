/*
 * Accounts: the workspace's connected social accounts, connecting more
 * through each platform's own sign-in page, and the way back from it
 * (/accounts?workspace=ID&connected=N, &pending=ID or &error=CODE&message=TEXT).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, get, messageOf, post, seg } from '../api';
import type { Items, OfferedAccount, PendingChoice, Platform, SocialAccount, Workspace } from '../api';
import { PRODUCT_NAME, Page } from '../components/Layout';
import {
  ConfirmButton,
  EmptyState,
  ErrorBox,
  FormError,
  Loading,
  SubmitButton,
  fieldError,
  invalid,
  useAction,
  useLoad,
} from '../components/ui';
import { currentWorkspace, selectWorkspace, useSession } from '../session';
import { formatDate, formatTime, isAdmin, roleLabel } from '../util';
import { Icon, WithWorkspace } from './Sections';

/* ---------- Names ---------- */

const PLATFORM_LABEL: Readonly<Record<string, string>> = {
  facebook: 'Facebook',
  instagram: 'Instagram',
  // Instagram through a Facebook Page: a way of connecting; its accounts are 'instagram'.
  instagram_fb: 'Instagram',
  linkedin: 'LinkedIn',
  youtube: 'YouTube',
  x: 'X',
  tiktok: 'TikTok',
  whatsapp: 'WhatsApp',
};

export function platformLabel(id: string | null | undefined): string {
  if (!id) return 'the platform';
  return PLATFORM_LABEL[id] ?? id;
}

/** The kind of an Instagram account connected through a Facebook Page. */
const KIND_THROUGH_PAGE = 'business_page';

/**
 * The platform id to connect an account again with: Instagram accounts come
 * through Instagram Login ('instagram') or through a Facebook Page ('instagram_fb').
 */
function connectIdOf(account: { platform: string; kind: string | null }): string {
  return account.platform === 'instagram' && account.kind === KIND_THROUGH_PAGE ? 'instagram_fb' : account.platform;
}

const KIND_LABEL: Readonly<Record<string, string>> = {
  page: 'Page',
  business: 'Professional account',
  business_page: 'Professional account',
  creator: 'Creator account',
  profile: 'Profile',
  user: 'Profile',
  person: 'Profile',
  member: 'Profile',
  organization: 'Company page',
  channel: 'Channel',
};

function kindLabel(kind: string | null | undefined): string | null {
  if (!kind) return null;
  return KIND_LABEL[kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1).replace(/_/g, ' ');
}

/** "1 X account", "2 Facebook Pages", "1 YouTube channel". */
function accountCount(platform: string | null, n: number): string {
  const one = n === 1;
  let noun: string;
  if (platform === 'facebook') noun = one ? 'Facebook Page' : 'Facebook Pages';
  else if (platform === 'youtube') noun = one ? 'YouTube channel' : 'YouTube channels';
  else if (platform) noun = `${platformLabel(platform)} account${one ? '' : 's'}`;
  else noun = one ? 'account' : 'accounts';
  return `${n} ${noun}`;
}

/** A server message as a sentence: capital first, full stop last, not too long. */
function sentence(text: string): string {
  let t = text.replace(/\s+/g, ' ').trim();
  if (t.length > 400) t = t.slice(0, 399) + '…';
  if (t === '') return 'Something went wrong.';
  t = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(t) ? t : t + '.';
}

function handle(username: string | null): string | null {
  if (!username) return null;
  return username.startsWith('@') ? username : `@${username}`;
}

function displayName(a: { name: string | null; username: string | null; remote_id: string }): string {
  return a.name || handle(a.username) || a.remote_id;
}

/* ---------- The way back from a platform ---------- */

const CONNECTING_KEY = 'p2s.connecting';

/** Remember which platform is being connected, to name it when the browser comes back. */
function rememberConnecting(platform: string, workspace: number): void {
  try {
    sessionStorage.setItem(CONNECTING_KEY, JSON.stringify({ platform, workspace, at: Date.now() }));
  } catch {
    /* storage may be off: the messages just say "account" */
  }
}

function takeConnecting(): { platform: string; workspace: number } | null {
  try {
    const raw = sessionStorage.getItem(CONNECTING_KEY);
    sessionStorage.removeItem(CONNECTING_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as { platform?: unknown; workspace?: unknown; at?: unknown };
    if (typeof v.platform !== 'string' || typeof v.workspace !== 'number' || typeof v.at !== 'number') return null;
    if (Date.now() - v.at > 60 * 60 * 1000) return null;
    return { platform: v.platform, workspace: v.workspace };
  } catch {
    return null;
  }
}

type Outcome =
  | { kind: 'connected'; workspace: number | null; platform: string | null; count: number }
  | { kind: 'error'; workspace: number | null; platform: string | null; message: string }
  | { kind: 'pending'; workspace: number | null; platform: string | null; id: number }
  | { kind: 'notice'; workspace: number | null; platform: string | null; message: string };

const RETURN_KEYS = ['workspace', 'connected', 'pending', 'error', 'message'] as const;

const positive = (raw: string | null): number | null =>
  raw !== null && /^\d{1,15}$/.test(raw) && Number(raw) > 0 ? Number(raw) : null;

/** What the query says happened at the platform, if the browser just came back from one. */
function readReturn(): Outcome | null {
  const q = new URLSearchParams(window.location.search);
  if (!RETURN_KEYS.some((k) => q.has(k))) return null;
  const workspace = positive(q.get('workspace'));
  const remembered = takeConnecting();
  const platform = remembered && (workspace === null || remembered.workspace === workspace) ? remembered.platform : null;
  if (q.has('error')) {
    const code = q.get('error') ?? '';
    const message = q.get('message') || `${platformLabel(platform)} could not be connected (${code || 'unknown error'})`;
    return { kind: 'error', workspace, platform, message: sentence(message) };
  }
  const pending = positive(q.get('pending'));
  if (pending !== null) return { kind: 'pending', workspace, platform, id: pending };
  const connected = q.get('connected');
  if (connected !== null && /^\d{1,6}$/.test(connected)) {
    return { kind: 'connected', workspace, platform, count: Number(connected) };
  }
  return null;
}

/** Take the outcome out of the address bar, so a reload or a shared link does not repeat it. */
function cleanQuery(): void {
  const url = new URL(window.location.href);
  let changed = false;
  for (const k of RETURN_KEYS) {
    if (url.searchParams.has(k)) {
      url.searchParams.delete(k);
      changed = true;
    }
  }
  if (changed) window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}

/* ---------- Connecting ---------- */

/** Start connecting: ask the server for the platform's sign-in address and go there. */
function useConnect(workspace: Workspace) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; from: 'list' | 'grid' } | null>(null);

  // Back from the platform page via the browser's back button: the page may come from the cache.
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) setBusy(null);
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, []);

  const start = async (platform: string, from: 'list' | 'grid') => {
    if (busy) return;
    setBusy(platform);
    setError(null);
    try {
      const res = await post<{ authorize_url: string }>(`/workspaces/${seg(workspace.id)}/accounts/connect`, {
        platform,
      });
      const url = new URL(res.authorize_url, window.location.href);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new Error('The server sent a sign-in address this page will not open.');
      }
      rememberConnecting(platform, workspace.id);
      window.location.assign(url.href);
    } catch (err) {
      setError({ message: `Could not connect ${platformLabel(platform)}: ${messageOf(err)}`, from });
      setBusy(null);
    }
  };

  return { busy, error, start };
}

/* ---------- Pieces ---------- */

/** An image address the page may load under its CSP (img-src 'self' data: blob: https:). */
function loadableImage(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, window.location.href);
    if (u.protocol === 'data:') return /^data:image\//i.test(u.href) ? u.href : null;
    if (u.protocol === 'blob:') return u.href;
    // Platforms serve avatars over https; the referrer policy keeps our paths from them.
    if (u.protocol === 'https:' || u.origin === window.location.origin) return u.href;
    return null;
  } catch {
    return null;
  }
}

function AccountAvatar({ name, url }: { name: string; url: string | null }) {
  const [failed, setFailed] = useState(false);
  const src = loadableImage(url);
  if (src && !failed) {
    return <img class="account-avatar" src={src} alt="" width={44} height={44} referrerpolicy="no-referrer" onError={() => setFailed(true)} />;
  }
  const initial = Array.from(name.replace(/^@/, '').trim())[0]?.toUpperCase() ?? '?';
  return (
    <span class="account-avatar account-avatar-initial" aria-hidden="true">
      {initial}
    </span>
  );
}

function StatusBadge({ status }: { status: SocialAccount['status'] }) {
  if (status === 'active') return <span class="badge badge-success">Active</span>;
  if (status === 'needs_reconnect') return <span class="badge badge-warning">Needs reconnecting</span>;
  return <span class="badge badge-quiet">Disconnected</span>;
}

/** The message about what just happened at the platform; takes focus so it is read out. */
function OutcomeMessage({
  outcome,
  onRetry,
}: {
  outcome: Exclude<Outcome, { kind: 'pending' }>;
  onRetry: (() => void) | null;
}) {
  const ref = useRef<HTMLDivElement & HTMLParagraphElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [outcome]);
  if (outcome.kind === 'error') {
    return (
      <div ref={ref} class="error-box outcome" role="alert" tabIndex={-1}>
        <p>{outcome.message}</p>
        {onRetry && (
          <button type="button" class="button button-secondary button-small" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  const text =
    outcome.kind === 'notice'
      ? outcome.message
      : outcome.count === 0
        ? 'No new accounts were connected.'
        : `${accountCount(outcome.platform, outcome.count)} connected.`;
  return (
    <p ref={ref} class={outcome.kind === 'connected' ? 'notice notice-success outcome' : 'notice outcome'} role="status" tabIndex={-1}>
      {text}
    </p>
  );
}

/* ---------- Choosing Facebook Pages ---------- */

function PendingPicker({
  workspace,
  pendingId,
  platform,
  onConnected,
  onClose,
}: {
  workspace: Workspace;
  pendingId: number;
  platform: string | null;
  onConnected: (count: number, items: SocialAccount[]) => void;
  onClose: (message: string | null) => void;
}) {
  const { data, error: loadError, loading, reload } = useLoad(
    () => get<PendingChoice>(`/workspaces/${seg(workspace.id)}/accounts/pending/${seg(pendingId)}`),
    [workspace.id, pendingId],
  );
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const { busy, error, submit, formRef } = useAction();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const offered: OfferedAccount[] = data?.accounts ?? [];
  const instagram =
    platform === 'instagram_fb' || (platform === null && offered.length > 0 && offered.every((a) => a.kind === KIND_THROUGH_PAGE));
  const pages = !instagram && (platform === 'facebook' || (offered.length > 0 && offered.every((a) => a.kind === 'page')));
  const things = pages ? 'Pages' : instagram ? 'Instagram accounts' : 'accounts';
  const title = pages
    ? 'Choose the Facebook Pages to connect'
    : instagram
      ? 'Choose the Instagram accounts to connect'
      : 'Choose the accounts to connect';
  const one = offered.length === 1;

  const onSubmit = submit(async () => {
    if (chosen.size === 0) throw invalid('remote_ids', `Choose at least one of the ${things}, or cancel.`);
    const res = await post<{ connected: number; items: SocialAccount[] }>(
      `/workspaces/${seg(workspace.id)}/accounts/pending/${seg(pendingId)}`,
      { remote_ids: offered.filter((a) => chosen.has(a.remote_id)).map((a) => a.remote_id) },
    );
    onConnected(res.connected, res.items);
  });

  const toggle = (id: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };

  const message = fieldError(error, 'remote_ids');

  return (
    <form class="card form picker" ref={formRef} onSubmit={onSubmit} noValidate aria-labelledby="picker-heading">
      <h2 id="picker-heading" ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      {loading && !data ? (
        <Loading label={`Loading your ${things}…`} />
      ) : loadError ? (
        <>
          <ErrorBox
            error={
              (loadError as { status?: number }).status === 404
                ? new Error('This choice has expired or was made already. Connect again to choose.')
                : loadError
            }
            onRetry={(loadError as { status?: number }).status === 404 ? undefined : reload}
          />
          <div class="form-actions">
            <button type="button" class="button button-secondary" onClick={() => onClose(null)}>
              Close
            </button>
          </div>
        </>
      ) : (
        <>
          <p class="muted">
            {instagram ? (
              <>
                {one
                  ? 'This Instagram account is linked to a Facebook Page'
                  : 'These Instagram accounts are linked to Facebook Pages'}{' '}
                you shared with {PRODUCT_NAME}.
              </>
            ) : (
              <>
                {platformLabel(platform === null && pages ? 'facebook' : platform)} shared {one ? 'this' : 'these'}{' '}
                {one ? things.replace(/s$/, '') : things} with {PRODUCT_NAME}.
              </>
            )}{' '}
            Only the ones you tick are connected to {workspace.name}; you can connect more later.
          </p>
          {!message && <FormError error={error} />}
          <fieldset
            class="fieldset picker-fieldset"
            aria-describedby={message ? 'picker-error' : undefined}
            aria-invalid={message ? 'true' : undefined}
          >
            <legend class="visually-hidden">{things}</legend>
            <ul class="picker-list">
              {offered.map((a) => {
                const id = `pick-${a.remote_id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
                const name = displayName(a);
                const meta = [handle(a.username), kindLabel(a.kind)].filter(Boolean).join(' · ');
                return (
                  <li key={a.remote_id}>
                    <input
                      id={id}
                      type="checkbox"
                      name="remote_ids"
                      value={a.remote_id}
                      checked={chosen.has(a.remote_id)}
                      aria-describedby={message ? 'picker-error' : undefined}
                      onChange={(e) => toggle(a.remote_id, e.currentTarget.checked)}
                    />
                    <label for={id} class="picker-option">
                      <AccountAvatar name={name} url={a.avatar_url} />
                      <span class="picker-text">
                        <span class="picker-name">{name}</span>
                        {meta && <span class="picker-meta">{meta}</span>}
                      </span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
          {message && (
            <p class="field-error" id="picker-error" role="alert">
              {message}
            </p>
          )}
          <div class="form-actions">
            <SubmitButton busy={busy} busyText="Connecting…">
              Connect selected
            </SubmitButton>
            <button
              type="button"
              class="button button-secondary"
              disabled={busy}
              onClick={() => onClose(`No ${pages ? 'Facebook Pages' : things} were connected.`)}
            >
              Cancel
            </button>
          </div>
        </>
      )}
    </form>
  );
}

/* ---------- The list ---------- */

function AccountRow({
  account,
  workspace,
  admin,
  platform,
  connecting,
  onReconnect,
  onDisconnect,
}: {
  account: SocialAccount;
  workspace: Workspace;
  admin: boolean;
  platform: Platform | null;
  connecting: string | null;
  onReconnect: () => void;
  onDisconnect: () => Promise<void>;
}) {
  const name = displayName(account);
  const label = platformLabel(account.platform);
  const user = handle(account.username);
  const kind = kindLabel(account.kind);
  const via = account.kind === KIND_THROUGH_PAGE ? ' (through a Facebook Page)' : '';
  const canReconnect = platform === null || (platform.available && !platform.coming_soon);
  const when =
    account.status === 'disconnected' ? (
      <span class="account-when" title={formatTime(account.status_at)}>disconnected {formatDate(account.status_at)}</span>
    ) : (
      <span class="account-when" title={formatTime(account.connected_at)}>connected {formatDate(account.connected_at)}</span>
    );
  return (
    <li class={`row account-row account-${account.status}`}>
      <div class="account-main">
        <AccountAvatar name={name} url={account.avatar_url} />
        <div class="account-text">
          <p class="row-title">
            <span class="account-name">{name}</span>
            <StatusBadge status={account.status} />
          </p>
          <p class="row-meta">
            {user && (
              <>
                <span class="account-handle">{user}</span>
                {' · '}
              </>
            )}
            <span class="account-platform">
              {kind && kind !== 'Profile' ? `${label} ${kind.toLowerCase()}` : label}
              {via}
            </span>
            {' · '}
            {when}
          </p>
          {account.status === 'needs_reconnect' && (
            <p class="account-reason">
              {account.status_reason
                ? sentence(account.status_reason)
                : `${label} no longer accepts ${PRODUCT_NAME}’s access.`}{' '}
              {admin ? 'Reconnect to keep publishing.' : 'An owner or admin can reconnect it.'}
            </p>
          )}
        </div>
      </div>
      {admin && (
        <div class="row-actions">
          {account.status !== 'active' && (
            <button
              type="button"
              class={
                account.status === 'needs_reconnect'
                  ? 'button button-primary button-small'
                  : 'button button-secondary button-small'
              }
              aria-label={`Reconnect ${name} (${label})`}
              disabled={!canReconnect || connecting !== null}
              title={canReconnect ? undefined : `${label} is not set up on this server`}
              onClick={onReconnect}
            >
              {connecting === connectIdOf(account) ? 'Opening…' : 'Reconnect'}
            </button>
          )}
          {account.status !== 'disconnected' && (
            <ConfirmButton
              label="Disconnect"
              accessibleName={`Disconnect ${name} (${label})`}
              confirmLabel="Yes, disconnect"
              question={`Disconnect ${name}?`}
              detail={`This revokes ${PRODUCT_NAME}’s access at ${label}. Posts already published stay on ${label}, and their history stays in ${workspace.name}.`}
              onConfirm={onDisconnect}
            />
          )}
        </div>
      )}
    </li>
  );
}

function PlatformButton({
  platform,
  busy,
  anyBusy,
  onConnect,
}: {
  platform: Platform;
  busy: boolean;
  anyBusy: boolean;
  onConnect: () => void;
}) {
  const ready = platform.available && !platform.coming_soon;
  const note = platform.coming_soon ? 'Coming soon' : !platform.available ? 'Not set up on this server' : busy ? 'Opening sign-in…' : 'Connect';
  const name = ready ? `Connect ${platform.name}` : `${platform.name}: ${note.toLowerCase()}`;
  return (
    <button
      type="button"
      class={ready ? 'platform-button' : 'platform-button platform-off'}
      aria-label={name}
      disabled={!ready || anyBusy}
      aria-busy={busy ? 'true' : undefined}
      onClick={onConnect}
    >
      <span class="platform-mark" aria-hidden="true">
        {platformLabel(platform.id).charAt(0)}
      </span>
      <span class="platform-text">
        <span class="platform-name">{platform.name}</span>
        <span class="platform-note">{note}</span>
      </span>
    </button>
  );
}

function ConnectSection({
  platforms,
  platformsError,
  reloadPlatforms,
  connect,
}: {
  platforms: Platform[] | null;
  platformsError: unknown;
  reloadPlatforms: () => void;
  connect: ReturnType<typeof useConnect>;
}) {
  const none = platforms !== null && !platforms.some((p) => p.available && !p.coming_soon);
  return (
    <section class="card connect" aria-labelledby="connect-heading">
      <h2 id="connect-heading">Connect an account</h2>
      <p class="muted">
        You sign in on the platform’s own page and approve what {PRODUCT_NAME} may do there, then come back here.{' '}
        {PRODUCT_NAME} never sees your password.
      </p>
      {connect.error?.from === 'grid' && (
        <p class="form-error" role="alert">
          {connect.error.message}
        </p>
      )}
      {platformsError ? (
        <ErrorBox error={platformsError} onRetry={reloadPlatforms} />
      ) : !platforms ? (
        <Loading label="Loading platforms…" />
      ) : (
        <>
          <ul class="platform-grid" aria-label="Platforms">
            {platforms.map((p) => (
              <li key={p.id}>
                <PlatformButton
                  platform={p}
                  busy={connect.busy === p.id}
                  anyBusy={connect.busy !== null}
                  onConnect={() => void connect.start(p.id, 'grid')}
                />
              </li>
            ))}
          </ul>
          {none && (
            <p class="form-note">
              No platform is set up on this server yet. The administrator registers an app with each platform and
              gives {PRODUCT_NAME} its client id and secret.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function AccountsBody({
  workspace,
  outcome,
  setOutcome,
}: {
  workspace: Workspace;
  outcome: Outcome | null;
  setOutcome: (o: Outcome | null) => void;
}) {
  const admin = isAdmin(workspace.role);
  const accounts = useLoad(
    () => get<Items<SocialAccount>>(`/workspaces/${seg(workspace.id)}/accounts`).then((r) => r.items),
    [workspace.id],
  );
  const platforms = useLoad(() => get<Items<Platform>>('/platforms').then((r) => r.items), []);
  const connect = useConnect(workspace);
  const [rowError, setRowError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const platformOf = (id: string) => platforms.data?.find((p) => p.id === id) ?? null;
  const retryPlatform =
    outcome?.kind === 'error' && outcome.platform && admin && platformOf(outcome.platform)?.available
      ? outcome.platform
      : null;

  const items = accounts.data ?? [];

  return (
    <>
      {outcome && outcome.kind !== 'pending' && (
        <OutcomeMessage
          outcome={outcome}
          onRetry={retryPlatform ? () => void connect.start(retryPlatform, 'list') : null}
        />
      )}
      {outcome?.kind === 'pending' && (
        <PendingPicker
          workspace={workspace}
          pendingId={outcome.id}
          platform={outcome.platform}
          onConnected={(count, list) => {
            accounts.setData(list);
            setOutcome({ kind: 'connected', workspace: workspace.id, platform: outcome.platform ?? 'facebook', count });
          }}
          onClose={(message) =>
            setOutcome(message ? { kind: 'notice', workspace: workspace.id, platform: outcome.platform, message } : null)
          }
        />
      )}

      <section aria-labelledby="connected-heading">
        <h2 id="connected-heading" class="section-heading">
          Connected accounts
        </h2>
        <p class="visually-hidden" role="status">
          {status}
        </p>
        {(rowError || connect.error?.from === 'list') && (
          <p class="form-error" role="alert">
            {rowError ?? connect.error?.message}
          </p>
        )}
        {accounts.loading && !accounts.data ? (
          <Loading label="Loading accounts…" />
        ) : accounts.error ? (
          <ErrorBox error={accounts.error} onRetry={accounts.reload} />
        ) : items.length === 0 ? (
          <EmptyState title="No social accounts connected" icon={<Icon name="accounts" />}>
            <p>
              Facebook Pages, Instagram professional accounts, LinkedIn profiles and pages, YouTube channels and X
              accounts connected to {workspace.name} appear here, ready to publish to.
            </p>
            <p>{admin ? 'Connect one below.' : 'Owners and admins of this workspace can connect them.'}</p>
          </EmptyState>
        ) : (
          <ul class="rows" aria-labelledby="connected-heading">
            {items.map((a) => (
              <AccountRow
                key={a.id}
                account={a}
                workspace={workspace}
                admin={admin}
                platform={platformOf(connectIdOf(a))}
                connecting={connect.busy}
                onReconnect={() => {
                  setRowError(null);
                  void connect.start(connectIdOf(a), 'list');
                }}
                onDisconnect={async () => {
                  setRowError(null);
                  const name = displayName(a);
                  try {
                    await del(`/workspaces/${seg(workspace.id)}/accounts/${seg(a.id)}`);
                    const now = new Date().toISOString();
                    accounts.setData(
                      items.map((x) =>
                        x.id === a.id ? { ...x, status: 'disconnected', status_reason: null, status_at: now } : x,
                      ),
                    );
                    setStatus(`${name} was disconnected.`);
                  } catch (err) {
                    setRowError(`Could not disconnect ${name}: ${messageOf(err)}`);
                  }
                }}
              />
            ))}
          </ul>
        )}
      </section>

      {admin ? (
        <ConnectSection
          platforms={platforms.data}
          platformsError={platforms.error}
          reloadPlatforms={platforms.reload}
          connect={connect}
        />
      ) : (
        <p class="notice">
          Only owners and admins of {workspace.name} can connect and disconnect accounts. Your role here is{' '}
          {roleLabel(workspace.role).toLowerCase()}.
        </p>
      )}
    </>
  );
}

export function Accounts() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  const workspaces = session.status === 'signed-in' ? session.workspaces : null;
  const workspaceId = session.status === 'signed-in' ? session.workspaceId : null;
  const [outcome, setOutcome] = useState<Outcome | null>(readReturn);
  const [applied, setApplied] = useState(false);
  const target = outcome?.workspace ?? null;

  useEffect(cleanQuery, []);

  // Come back to the workspace the connecting started in; drop the outcome when the person moves on.
  useEffect(() => {
    if (target === null || !workspaces) return;
    if (!applied) {
      setApplied(true);
      if (!workspaces.some((w) => w.id === target)) {
        setOutcome(
          outcome && outcome.kind !== 'pending'
            ? { ...outcome, workspace: null }
            : {
                kind: 'error',
                workspace: null,
                platform: outcome?.platform ?? null,
                message: 'You are no longer a member of the workspace this was started in.',
              },
        );
      } else if (workspaceId !== target) {
        selectWorkspace(target);
      }
    } else if (workspaceId !== target) {
      setOutcome(null);
    }
  }, [target, workspaces, workspaceId, applied]);

  const waiting = target !== null && (!applied || workspaceId !== target);

  return (
    <Page
      title="Accounts"
      heading="Accounts"
      intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}
    >
      <WithWorkspace>
        {waiting ? (
          <Loading label="Loading accounts…" />
        ) : (
          workspace && (
            <div key={workspace.id}>
              <AccountsBody workspace={workspace} outcome={outcome} setOutcome={setOutcome} />
            </div>
          )
        )}
      </WithWorkspace>
    </Page>
  );
}
