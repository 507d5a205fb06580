/*
 * Approvals: posts waiting for an editor (GET /posts?state=pending_approval).
 * Editors and up approve them or request changes with a note; contributors
 * see what they submitted and the notes on posts sent back to them.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, messageOf, post, seg } from '../api';
import type { SocialAccount, Workspace } from '../api';
import { Page } from '../components/Layout';
import { EmptyState, ErrorBox, Loading } from '../components/ui';
import { CampaignSwatch, PlatformIcon, StateBadge, refreshPending, useAccounts } from '../components/PostBits';
import { accountLabel, excerpt, formatLocal, platformName, postLocal, problemsOf } from '../posts';
import type { Post, PostList, PostSummary } from '../posts';
import { Link } from '../router';
import { currentWorkspace, useSession } from '../session';
import { canContribute, canEdit, formatTime, roleLabel } from '../util';
import { Icon, WithWorkspace } from './Sections';
import '../styles/posts.css';

/**
 * The posts in a state, whole: lists give summaries (the text cut at 280
 * characters, no media, no review note), so each is read in full.
 */
async function listAll(workspaceId: number, state: string, mine: number | null): Promise<Post[]> {
  const summaries: PostSummary[] = [];
  let cursor: string | number | null = null;
  for (let i = 0; i < 4; i++) {
    const r: PostList = await get<PostList>(
      `/workspaces/${seg(workspaceId)}/posts?state=${state}&limit=50${cursor !== null ? `&cursor=${encodeURIComponent(String(cursor))}` : ''}`,
    );
    summaries.push(...(r.posts ?? []));
    cursor = r.next_cursor ?? null;
    if (cursor === null) break;
  }
  const wanted = summaries.filter((p) => mine === null || p.created_by?.id === mine).slice(0, 100);
  const full = await Promise.all(
    wanted.map((p) =>
      get<{ post?: Post }>(`/workspaces/${seg(workspaceId)}/posts/${seg(p.id)}`).then(
        (r) => r.post ?? null,
        () => null,
      ),
    ),
  );
  return full.filter((p): p is Post => p !== null && p.state === state);
}

function PostSummary({ p, workspace, accounts }: { p: Post; workspace: Workspace; accounts: SocialAccount[] }) {
  const local = p.schedule && p.schedule.mode !== 'none' ? postLocal(p.schedule, workspace.timezone) : null;
  const when =
    p.schedule?.mode === 'queue' ? 'Next queue slot' : p.schedule?.mode === 'now' ? 'As soon as approved' : local ? formatLocal(local) : 'No time chosen';
  return (
    <>
      <p class="approval-body">{p.body ? p.body : <span class="muted">(no text)</span>}</p>
      {p.media?.length ? (
        <ul class="approval-media" aria-label="Media">
          {p.media.map((m) =>
            m.thumbnail_url ? (
              <li key={m.id}>
                <img src={m.thumbnail_url} alt={m.name} width={64} height={64} loading="lazy" />
              </li>
            ) : (
              <li key={m.id} class="media-chip-none">
                {m.name}
              </li>
            ),
          )}
        </ul>
      ) : null}
      <p class="row-meta">
        <span class="list-accounts">
          {p.targets.map((t) => {
            const a = accounts.find((x) => x.id === t.account_id);
            return (
              <span key={t.account_id} class="list-account">
                <PlatformIcon platform={t.platform} size="sm" label />
                <span>{a ? a.name || accountLabel(a) : (t.account_name ?? platformName(t.platform))}</span>
              </span>
            );
          })}
        </span>
      </p>
      <p class="row-meta">
        {when}
        {' · '}
        {p.created_by ? `by ${p.created_by.name}` : ''}
        {p.updated_at ? ` · changed ${formatTime(p.updated_at)}` : ''}
        {p.campaign && (
          <>
            {' · '}
            <CampaignSwatch color={p.campaign.color} /> {p.campaign.name}
          </>
        )}
      </p>
    </>
  );
}

function ReviewActions({ p, workspace, onDone }: { p: Post; workspace: Workspace; onDone: (p: Post | null, message: string) => void }) {
  const [asking, setAsking] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<null | 'approve' | 'changes'>(null);
  const [error, setError] = useState<string | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const base = `/workspaces/${seg(workspace.id)}/posts/${seg(p.id)}`;
  const id = `review-${p.id}`;
  useEffect(() => {
    if (asking) noteRef.current?.focus();
  }, [asking]);

  const approve = async () => {
    setBusy('approve');
    setError(null);
    try {
      const r = await post<{ post?: Post }>(`${base}/approve`, {});
      const np = r?.post ?? null;
      onDone(
        np,
        np?.state === 'scheduled'
          ? `Approved and scheduled for ${formatLocal(postLocal(np.schedule, workspace.timezone))}.`
          : 'Approved. It waits for a time to be chosen.',
      );
    } catch (err) {
      let msg = messageOf(err);
      if (err instanceof ApiError && err.status === 422) {
        const problems = problemsOf((err.body as { problems?: unknown } | null)?.problems);
        if (problems.length) msg = `It cannot be published as it is: ${problems.map((x) => x.message).join(' ')}`;
      }
      setError(msg);
    } finally {
      setBusy(null);
    }
  };

  const requestChanges = async (e: Event) => {
    e.preventDefault();
    if (note.trim() === '') {
      setError('Write a note saying what should change.');
      noteRef.current?.focus();
      return;
    }
    setBusy('changes');
    setError(null);
    try {
      const r = await post<{ post?: Post }>(`${base}/request-changes`, { note: note.trim() });
      onDone(r?.post ?? null, 'Sent back to the author with your note.');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="review-actions">
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
      {asking ? (
        <form class="form review-form" onSubmit={requestChanges} noValidate>
          <div class={error && note.trim() === '' ? 'field field-invalid' : 'field'}>
            <label for={`${id}-note`}>What should change?</label>
            <textarea
              id={`${id}-note`}
              ref={noteRef}
              rows={3}
              maxLength={2000}
              value={note}
              aria-describedby={error ? `${id}-error` : undefined}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
          <div class="form-actions">
            <button type="submit" class="button button-primary button-small" disabled={busy !== null}>
              {busy === 'changes' ? 'Sending…' : 'Send back with this note'}
            </button>
            <button type="button" class="button button-secondary button-small" disabled={busy !== null} onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="row-actions">
          <button type="button" class="button button-primary button-small" disabled={busy !== null} onClick={() => void approve()} aria-label={`Approve: ${excerpt(p.body, 40)}`}>
            {busy === 'approve' ? 'Approving…' : 'Approve'}
          </button>
          <button
            type="button"
            class="button button-secondary button-small"
            disabled={busy !== null}
            onClick={() => setAsking(true)}
            aria-label={`Request changes: ${excerpt(p.body, 40)}`}
          >
            Request changes
          </button>
          <Link class="button button-secondary button-small" href={`/compose?post=${p.id}`} aria-label={`Open: ${excerpt(p.body, 40)}`}>
            Open
          </Link>
        </div>
      )}
    </div>
  );
}

function ApprovalsBody({ workspace, userId }: { workspace: Workspace; userId: number }) {
  const editor = canEdit(workspace.role);
  const { accounts } = useAccounts(workspace.id);
  const [pending, setPending] = useState<Post[] | null>(null);
  const [returned, setReturned] = useState<Post[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    const mine = editor ? null : userId;
    Promise.all([listAll(workspace.id, 'pending_approval', mine), listAll(workspace.id, 'changes_requested', mine)]).then(
      ([p, r]) => {
        if (!live) return;
        setPending(p);
        setReturned(r);
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [workspace.id, tick]);

  if (error) return <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />;
  if (!pending || !returned) return <Loading label="Loading posts waiting for approval…" />;

  return (
    <>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {status && (
        <p class="notice notice-success" aria-hidden="true">
          {status}
        </p>
      )}
      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading" class="section-heading">
          {editor ? 'Waiting for approval' : 'You submitted'} <span class="badge">{pending.length}</span>
        </h2>
        {pending.length === 0 ? (
          <EmptyState title={editor ? 'Nothing to approve' : 'Nothing waiting'} icon={<Icon name="compose" />}>
            <p>
              {editor
                ? 'Posts that contributors submit for approval appear here.'
                : canContribute(workspace.role)
                  ? 'Posts you submit for approval appear here until an editor approves them.'
                  : 'Posts submitted for approval appear here.'}
            </p>
          </EmptyState>
        ) : (
          <ul class="rows approvals">
            {pending.map((p) => (
              <li key={p.id} class="row approval">
                <div class="row-main">
                  <PostSummary p={p} workspace={workspace} accounts={accounts ?? []} />
                </div>
                {editor ? (
                  <ReviewActions
                    p={p}
                    workspace={workspace}
                    onDone={(_np, message) => {
                      setStatus(message);
                      setPending((list) => (list ? list.filter((x) => x.id !== p.id) : list));
                      refreshPending(workspace.id);
                    }}
                  />
                ) : (
                  <div class="row-actions">
                    <StateBadge state={p.state} />
                    <Link class="button button-secondary button-small" href={`/compose?post=${p.id}`}>
                      Open
                    </Link>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="returned-heading">
        <h2 id="returned-heading" class="section-heading">
          {editor ? 'Sent back for changes' : 'Sent back to you'} <span class="badge">{returned.length}</span>
        </h2>
        {returned.length === 0 ? (
          <p class="empty-line">None.</p>
        ) : (
          <ul class="rows">
            {returned.map((p) => (
              <li key={p.id} class="row approval">
                <div class="row-main">
                  <PostSummary p={p} workspace={workspace} accounts={accounts ?? []} />
                  {p.review_note && (
                    <p class="review-note-inline">
                      <strong>Review note:</strong> {p.review_note}
                    </p>
                  )}
                </div>
                <div class="row-actions">
                  <StateBadge state={p.state} />
                  <Link class="button button-secondary button-small" href={`/compose?post=${p.id}`}>
                    {!editor && p.created_by?.id === userId ? 'Edit and resubmit' : 'Open'}
                  </Link>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export function Approvals() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page title="Approvals" heading="Approvals" intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}>
      <WithWorkspace>
        {workspace && session.status === 'signed-in' && (
          <div key={workspace.id}>
            <ApprovalsBody workspace={workspace} userId={session.user.id} />
          </div>
        )}
      </WithWorkspace>
    </Page>
  );
}
