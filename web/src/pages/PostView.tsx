/*
 * A post whose publishing has started (publishing, published, partially
 * published, failed): it can no longer be changed (the server answers 409
 * post_locked), so the composer shows it read-only, with how each target is
 * doing, Retry and Cancel, and the attempt log. /compose?post=ID opens it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, isAbort, messageOf, seg } from '../api';
import type { SocialAccount, Workspace } from '../api';
import { CampaignSwatch, PlatformIcon, StateBadge } from '../components/PostBits';
import { LiveGlyph, PublishingPanel, describeChanges } from '../components/Publishing';
import { formatLocal, platformName, postLocal, zoneLabel } from '../posts';
import type { Attempt, Post } from '../posts';
import { Link } from '../router';
import { canEdit } from '../util';

function attemptsOf(r: unknown): Attempt[] {
  const list = (r as { attempts?: unknown } | null)?.attempts;
  if (!Array.isArray(list)) return [];
  return list
    .filter((a): a is Attempt => !!a && typeof a === 'object' && typeof (a as Attempt).id === 'number')
    .map((a) => ({ ...a, requests: Array.isArray(a.requests) ? a.requests : [] }));
}

export function PostView({
  workspace,
  post,
  accounts,
  pollTick,
  notice,
  onPost,
}: {
  workspace: Workspace;
  post: Post;
  accounts: SocialAccount[];
  /** Goes up every time the live updates read the post again: the attempt log is read again too. */
  pollTick: number;
  /** Why the user is here rather than in the editor (changes that were not saved), if it needs saying. */
  notice: string | null;
  onPost: (p: Post) => void;
}) {
  const tz = workspace.timezone;
  const [attempts, setAttempts] = useState<Attempt[]>([]);
  const [attemptsError, setAttemptsError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [announce, setAnnounce] = useState('');
  const before = useRef<Post | null>(null);

  // Say what changed since the last reading (retry, cancel, the worker's progress).
  useEffect(() => {
    const text = describeChanges(before.current, post, accounts);
    before.current = post;
    if (text) setAnnounce(text);
  }, [post]);

  useEffect(() => {
    const ctrl = new AbortController();
    get<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(post.id)}/attempts`, { signal: ctrl.signal }).then(
      (r) => {
        setAttempts(attemptsOf(r));
        setAttemptsError(null);
      },
      (err: unknown) => {
        if (!isAbort(err)) setAttemptsError(messageOf(err));
      },
    );
    return () => ctrl.abort();
  }, [workspace.id, post.id, post.version, post.state, pollTick]);

  const when = postLocal(post.schedule, tz);
  const mode = post.schedule?.mode;
  const customTexts = post.targets.filter((t) => t.text !== null && t.text !== undefined && t.text !== post.body);

  return (
    <div class="post-view">
      <p class="visually-hidden" role="status" aria-live="polite" data-testid="publishing-announcer">
        {announce}
      </p>
      <div class="compose-state">
        <LiveGlyph state={post.state} />
        <StateBadge state={post.state} />
        {post.created_by && (
          <span class="muted">
            Written by {post.created_by.name}
            {post.updated_by && post.updated_by.id !== post.created_by.id ? `, last changed by ${post.updated_by.name}` : ''}
          </span>
        )}
      </div>
      <div class="notice notice-locked" role="note">
        <p>
          <strong>Publishing has started, so this post can no longer be changed.</strong>{' '}
          {canEdit(workspace.role)
            ? 'You can retry an account that failed, or cancel one that still waits. To say something else, write a new post.'
            : 'Below is how it went on each account.'}
        </p>
      </div>
      {notice && (
        <div class="form-error" role="alert">
          <p>{notice}</p>
        </div>
      )}
      {message && (
        <p class={message.error ? 'form-error pub-message' : 'notice notice-success pub-message'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}

      <div class="composer-grid">
        <div class="composer-main">
          <PublishingPanel
            workspace={workspace}
            post={post}
            attempts={attempts}
            attemptsError={attemptsError}
            accounts={accounts}
            mayAct={canEdit(workspace.role)}
            onPost={onPost}
            onMessage={(text, error) => setMessage({ text, error })}
          />

          <section class="card" aria-labelledby="pv-post-heading">
            <h2 id="pv-post-heading">The post</h2>
            <p class="pv-body">{post.body || <span class="muted">(no text)</span>}</p>
            {post.media.length > 0 && (
              <ul class="pv-media" aria-label="Media, in order">
                {post.media.map((m) => (
                  <li key={m.id}>
                    {m.thumbnail_url ? <img src={m.thumbnail_url} alt={m.name} width={96} height={96} loading="lazy" /> : <span>{m.name}</span>}
                  </li>
                ))}
              </ul>
            )}
            {customTexts.map((t) => (
              <div key={t.id} class="pv-own-text">
                <p class="pv-own-label">
                  <PlatformIcon platform={t.platform} size="sm" /> Own text for {t.account_name ?? platformName(t.platform)} on {platformName(t.platform)}
                </p>
                <p class="pv-body">{t.text}</p>
              </div>
            ))}
          </section>
        </div>

        <aside class="composer-side">
          <section class="card" aria-labelledby="pv-time-heading">
            <h2 id="pv-time-heading">Time</h2>
            <p>
              {mode === 'now' ? 'Posted with “Post now”' : 'Scheduled for'} {formatLocal(when)}
            </p>
            <p class="field-hint">Time zone: {zoneLabel(tz)}, the workspace’s.</p>
            {post.campaign && (
              <p class="campaign-name">
                <CampaignSwatch color={post.campaign.color} /> Campaign {post.campaign.name}
              </p>
            )}
            <p>
              <Link href={when ? `/calendar?date=${when.day}` : '/calendar'}>Show on the calendar</Link>
            </p>
            {canEdit(workspace.role) && (
              <p>
                <Link href="/compose">Write a new post</Link>
              </p>
            )}
          </section>
        </aside>
      </div>
    </div>
  );
}
