/*
 * How a post is being published: one panel per target (platform and
 * account, its state in words, the link to the published post, why it
 * failed and what to do), Retry on failed targets and Cancel on waiting ones
 * (editors and up), and each target's attempt log (GET /posts/{id}/attempts).
 * The "## Publishing" section of docs/api.md.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf, post as apiPost, seg } from '../api';
import type { SocialAccount, Workspace } from '../api';
import { PlatformIcon, StateBadge } from './PostBits';
import { PUBLISHING_TARGET_STATES, formatDay, platformName, safeUrl, todayIn } from '../posts';
import type { Attempt, Post, PostTarget } from '../posts';
import { isAdmin } from '../util';

/* ---------- Words ---------- */

/** A glyph for the states of publishing, beside the state's name (decoration only). */
export const LIVE_GLYPH: Readonly<Record<string, string>> = {
  publishing: '↻',
  processing: '↻',
  unknown: '?',
  retry_wait: '⋯',
  published: '✓',
  partially_published: '◐',
  failed: '!',
};

export function LiveGlyph({ state }: { state: string }) {
  const g = LIVE_GLYPH[state];
  if (!g) return null;
  return (
    <span class={`live-glyph live-${state}`} aria-hidden="true">
      {g}
    </span>
  );
}

const OUTCOME_LABEL: Readonly<Record<string, string>> = {
  published: 'Published',
  retry: 'Will be retried',
  failed: 'Failed',
  released: 'Handed back',
};

const ERROR_KIND_LABEL: Readonly<Record<string, string>> = {
  transient: 'Passing problem',
  rate_limited: 'Rate limit',
  token_expired: 'Sign-in expired',
  revoked: 'Access withdrawn',
  denied: 'Access refused',
  invalid: 'Refused',
  permanent: 'Cannot be posted',
};

/** "14:05:09", with the day in front when it is not today (workspace's time zone). */
export function clockTime(iso: string | null | undefined, timeZone: string, seconds = true): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: seconds ? '2-digit' : undefined,
      hourCycle: 'h23',
    }).formatToParts(d);
  } catch {
    return iso;
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  const time = `${get('hour')}:${get('minute')}${seconds ? `:${get('second')}` : ''}`;
  return day === todayIn(timeZone) ? time : `${formatDay(day, { day: 'numeric', month: 'short' })}, ${time}`;
}

function duration(from: string | null, to: string | null): string {
  if (!from || !to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60000)} min`;
}

const errorText = (e: unknown): string | null => {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return null;
};

/** Whether a published target had failed before (the server's flag, else its attempt log). */
export function isRecovered(t: PostTarget, attempts: Attempt[]): boolean {
  if (t.state !== 'published') return false;
  if (typeof t.recovered === 'boolean') return t.recovered;
  return attempts.some(
    (a) => a.target_id === t.id && (a.outcome === 'failed' || (a.outcome === 'retry' && a.error_kind !== 'rate_limited')),
  );
}

/** The last attempt of a target that ended with an error. */
function lastError(t: PostTarget, attempts: Attempt[]): Attempt | null {
  for (let i = attempts.length - 1; i >= 0; i--) {
    const a = attempts[i]!;
    if (a.target_id === t.id && (a.error_kind || a.error_message)) return a;
  }
  return null;
}

interface Explanation {
  plain: string;
  todo: ComponentChildren;
}

/** Why a target failed, in plain words, and what to do about it. */
function explainFailure(t: PostTarget, last: Attempt | null, role: Workspace['role'], mayRetry: boolean): Explanation {
  const p = platformName(t.platform);
  const kind = last?.error_kind ?? null;
  const reconnect = t.account_status === 'needs_reconnect' || kind === 'revoked' || kind === 'denied' || kind === 'token_expired';
  const retry = mayRetry ? 'press Retry' : 'an editor can retry it';
  if (t.account_status === 'disconnected') {
    return {
      plain: `The ${p} account was disconnected from this workspace.`,
      todo: <>Connect it again on the {isAdmin(role) ? <a href="/accounts">Accounts</a> : 'Accounts'} page, then {retry}.</>,
    };
  }
  if (reconnect) {
    return {
      plain: `${p} no longer accepts Post2Share’s access to this account.`,
      todo: isAdmin(role) ? (
        <>
          Reconnect the account on the <a href="/accounts">Accounts</a> page, then {retry}.
        </>
      ) : (
        <>An owner or admin reconnects the account on the Accounts page; then {retry}.</>
      ),
    };
  }
  switch (kind) {
    case 'transient':
      return { plain: `${p} had a problem or did not answer, several times in a row.`, todo: <>It may be down for a while: {retry} later.</> };
    case 'rate_limited':
      return { plain: `${p}’s limit on posts for this account was reached.`, todo: <>Wait for the limit to reset, then {retry}.</> };
    case 'invalid':
      return {
        plain: `${p} refused the post as it is.`,
        todo: (
          <>
            Read {p}’s reason above. If the problem was on {p}’s side, {retry}; if the post itself does not fit, write a new post that does
            (this one can no longer be changed).
          </>
        ),
      };
    case 'permanent':
      return {
        plain: `${p} cannot take this post.`,
        todo: <>Read the reason above; if it names the server’s settings, tell the administrator. Then {retry}.</>,
      };
    default:
      return { plain: `It could not be published on ${p}.`, todo: <>Read the reason above, then {retry}.</> };
  }
}

/* ---------- The attempt log ---------- */

function AttemptItem({ a, n, timeZone, running }: { a: Attempt; n: number; timeZone: string; running: boolean }) {
  const outcome = a.outcome ? (OUTCOME_LABEL[a.outcome] ?? a.outcome) : running ? 'Running' : 'Cut short';
  const tone =
    a.outcome === 'published' ? 'badge badge-success' : a.outcome === 'failed' ? 'badge badge-danger' : a.outcome === 'retry' ? 'badge badge-warning' : 'badge';
  const took = duration(a.started_at, a.ended_at);
  return (
    <li class="attempt" data-attempt-id={a.id}>
      <p class="attempt-head">
        <strong>Attempt {n}</strong> <span class={tone}>{outcome}</span>
        {a.error_kind && <span class="badge badge-quiet">{ERROR_KIND_LABEL[a.error_kind] ?? a.error_kind}</span>}
      </p>
      <p class="attempt-times">
        Started {clockTime(a.started_at, timeZone)}
        {a.ended_at ? `, ended ${clockTime(a.ended_at, timeZone)}${took ? ` (${took})` : ''}` : running ? ', still running' : ', no end recorded (its worker stopped; a later attempt took over)'}
      </p>
      {a.error_message && <p class="attempt-error">{a.error_message}</p>}
      {a.requests.length === 0 ? (
        <p class="attempt-none muted">No requests to the platform.</p>
      ) : (
        <table class="data-table attempt-requests">
          <caption class="visually-hidden">Requests of attempt {n}</caption>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Answer</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {a.requests.map((q, i) => (
              <tr key={i} class={q.create_step ? 'create-step' : undefined}>
                <td data-label="Request">
                  <code class="req-line">
                    <span class="req-method">{q.method}</span> {q.url}
                  </code>
                  {q.create_step && (
                    <span class="badge badge-admin create-step-badge" title="The request that makes the post public">
                      Create step
                    </span>
                  )}
                </td>
                <td data-label="Answer">
                  {q.status !== null ? (
                    <span class={q.status >= 200 && q.status < 300 ? 'req-ok' : 'req-bad'}>HTTP {q.status}</span>
                  ) : (
                    <span class="req-bad">{q.error ? `No answer: ${q.error}` : 'No answer'}</span>
                  )}
                </td>
                <td data-label="Took">{duration(q.started_at, q.ended_at) || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}

function AttemptLog({ t, attempts, timeZone, label }: { t: PostTarget; attempts: Attempt[]; timeZone: string; label: string }) {
  const mine = attempts.filter((a) => a.target_id === t.id);
  if (mine.length === 0) return null;
  return (
    <details class="attempt-log">
      <summary>
        Attempt log: {mine.length} attempt{mine.length === 1 ? '' : 's'}
        <span class="visually-hidden"> on {label}</span>
      </summary>
      <ol class="attempts">
        {mine.map((a, i) => (
          <AttemptItem key={a.id} a={a} n={i + 1} timeZone={timeZone} running={i === mine.length - 1 && PUBLISHING_TARGET_STATES.has(t.state)} />
        ))}
      </ol>
    </details>
  );
}

/* ---------- One target ---------- */

function TargetStatus({
  t,
  post,
  attempts,
  timeZone,
  role,
  mayAct,
}: {
  t: PostTarget;
  post: Post;
  attempts: Attempt[];
  timeZone: string;
  role: Workspace['role'];
  mayAct: boolean;
}) {
  const p = platformName(t.platform);
  const err = errorText(t.error);
  switch (t.state) {
    case 'draft':
      return <p class="pub-detail">Not scheduled.</p>;
    case 'scheduled': {
      const at = post.schedule?.at ? Date.parse(post.schedule.at) : NaN;
      const due = post.schedule?.mode === 'now' || !Number.isFinite(at) || at <= Date.now();
      return <p class="pub-detail">{due ? 'Its time has come: it starts in a moment.' : `Waits for ${clockTime(post.schedule?.at, timeZone, false)}.`}</p>;
    }
    case 'publishing':
      return <p class="pub-detail">Being sent to {p} now…</p>;
    case 'processing':
      return <p class="pub-detail">{p} is processing the media; Post2Share checks back until it is ready.</p>;
    case 'retry_wait': {
      const when = t.due_at ? clockTime(t.due_at, timeZone, false) : null;
      return (
        <>
          <p class="pub-detail">
            {when ? `Will try again at ${when}, by itself.` : 'Will try again by itself in a little while.'}
          </p>
          {err && <p class="pub-reason">Last try: {err}</p>}
        </>
      );
    }
    case 'unknown':
      return (
        <p class="pub-detail">
          Checking whether it went out: the answer to the last request was lost, so Post2Share first looks for the post on the account. It is
          never posted twice.
        </p>
      );
    case 'published': {
      const url = safeUrl(t.remote_url);
      return (
        <p class="pub-detail">
          {url ? (
            <a class="pub-link" href={url} target="_blank" rel="noopener noreferrer">
              View on {p}
              <span class="visually-hidden"> (opens in a new tab)</span>
            </a>
          ) : (
            `It is out on ${p}.`
          )}
          {isRecovered(t, attempts) && <span class="pub-recovered-note"> It failed before, then went out.</span>}
        </p>
      );
    }
    case 'failed': {
      const x = explainFailure(t, lastError(t, attempts), role, mayAct);
      return (
        <div class="pub-failure">
          <p class="pub-plain">{x.plain}</p>
          {err && <p class="pub-reason">Reason: {err}</p>}
          <p class="pub-todo">
            <strong>What to do:</strong> {x.todo}
          </p>
        </div>
      );
    }
    case 'cancelled':
      return <p class="pub-detail">Taken out before it was published.</p>;
    default:
      return err ? <p class="pub-reason">{err}</p> : null;
  }
}

/** "Sim Demo (@simdemo)", or the name the post keeps. */
function targetName(t: PostTarget, accounts: SocialAccount[]): string {
  const a = accounts.find((x) => x.id === t.account_id);
  const name = a?.name || t.account_name || `account ${t.account_id}`;
  const handle = a?.username && ['x', 'instagram', 'youtube'].includes(t.platform) ? `@${a.username.replace(/^@/, '')}` : null;
  return handle && handle !== name ? `${name} (${handle})` : name;
}

/* ---------- The panel ---------- */

/** One line about the whole post: how many went out, failed, wait. */
export function summaryLine(post: Post): string {
  const live = post.targets.filter((t) => t.state !== 'cancelled');
  const n = (s: string) => live.filter((t) => t.state === s).length;
  const published = n('published');
  const failed = n('failed');
  const waiting = live.length - published - failed;
  const parts = [`${published} of ${live.length} published`];
  if (failed) parts.push(`${failed} failed`);
  if (waiting) parts.push(`${waiting} still on ${waiting === 1 ? 'its' : 'their'} way`);
  const cancelled = post.targets.length - live.length;
  if (cancelled) parts.push(`${cancelled} cancelled`);
  return parts.join(', ') + '.';
}

export function PublishingPanel({
  workspace,
  post,
  attempts,
  attemptsError,
  accounts,
  mayAct,
  onPost,
  onMessage,
}: {
  workspace: Workspace;
  post: Post;
  attempts: Attempt[];
  attemptsError: string | null;
  accounts: SocialAccount[];
  mayAct: boolean;
  onPost: (p: Post) => void;
  onMessage: (text: string, error: boolean) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const tz = workspace.timezone;

  const act = async (t: PostTarget, what: 'retry' | 'cancel') => {
    if (busy) return;
    const label = `${platformName(t.platform)} (${targetName(t, accounts)})`;
    setBusy(`${what}-${t.id}`);
    try {
      const r = await apiPost<{ post?: Post }>(`/workspaces/${seg(workspace.id)}/posts/${seg(post.id)}/targets/${seg(t.id)}/${what}`, {});
      if (r?.post && typeof r.post.id === 'number') onPost(r.post);
      onMessage(what === 'retry' ? `Retry requested for ${label}.` : `Cancelled: it will not be published on ${label}.`, false);
    } catch (err) {
      onMessage(`${what === 'retry' ? 'Could not retry' : 'Could not cancel'} on ${label}: ${messageOf(err)}`, true);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card pub-card" aria-labelledby="pub-heading" id="publishing">
      <h2 id="pub-heading">Publishing</h2>
      <p class="pub-summary">{summaryLine(post)}</p>
      <ul class="pub-targets" aria-label="Publishing per account">
        {post.targets.map((t) => {
          const name = targetName(t, accounts);
          const p = platformName(t.platform);
          const recovered = isRecovered(t, attempts);
          const waiting = t.state === 'scheduled' || t.state === 'retry_wait';
          return (
            <li key={t.id} class={`pub-target pub-${t.state}`} data-target-id={t.id} data-platform={t.platform} data-state={t.state} aria-label={`${p}: ${name}`}>
              <div class="pub-head">
                <PlatformIcon platform={t.platform} />
                <span class="pub-name">
                  <strong>{name}</strong> <span class="muted">on {p}</span>
                </span>
                <span class="pub-badges">
                  <LiveGlyph state={t.state} />
                  <StateBadge state={t.state} />
                  {recovered && (
                    <span class="badge badge-success pub-recovered" title="It failed before, then went out">
                      Recovered
                    </span>
                  )}
                </span>
              </div>
              <TargetStatus t={t} post={post} attempts={attempts} timeZone={tz} role={workspace.role} mayAct={mayAct} />
              {mayAct && (t.state === 'failed' || waiting) && (
                <div class="row-actions pub-actions">
                  {t.state === 'failed' && (
                    <button type="button" class="button button-primary button-small" disabled={busy !== null} onClick={() => void act(t, 'retry')}>
                      {busy === `retry-${t.id}` ? 'Retrying…' : 'Retry'}
                      <span class="visually-hidden"> on {p} ({name})</span>
                    </button>
                  )}
                  {waiting && (
                    <button type="button" class="button button-secondary button-small" disabled={busy !== null} onClick={() => void act(t, 'cancel')}>
                      {busy === `cancel-${t.id}` ? 'Cancelling…' : 'Cancel'}
                      <span class="visually-hidden"> publishing on {p} ({name})</span>
                    </button>
                  )}
                </div>
              )}
              <AttemptLog t={t} attempts={attempts} timeZone={tz} label={`${p} (${name})`} />
            </li>
          );
        })}
      </ul>
      {attemptsError && <p class="field-hint">The attempt log could not be loaded: {attemptsError}</p>}
    </section>
  );
}

/** What changed between two readings of a post, for screen readers: "X (Sim Demo): published." */
export function describeChanges(before: Post | null, after: Post, accounts: SocialAccount[]): string {
  if (!before || before.id !== after.id) return '';
  const out: string[] = [];
  for (const t of after.targets) {
    const old = before.targets.find((x) => x.id === t.id);
    if (!old || old.state === t.state) continue;
    const words: Record<string, string> = {
      publishing: 'being sent now',
      processing: 'the platform is processing the media',
      retry_wait: 'waiting to try again',
      unknown: 'checking whether it went out',
      published: 'published',
      failed: 'failed',
      cancelled: 'cancelled',
      scheduled: 'scheduled',
    };
    out.push(`${platformName(t.platform)} (${targetName(t, accounts)}): ${words[t.state] ?? t.state}.`);
  }
  return out.join(' ');
}
