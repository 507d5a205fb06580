/*
 * The queue: weekly time slots, for the whole workspace or one account
 * (GET/PUT /queue), and the next slots with the posts that hold them
 * (GET /queue/upcoming), reordered by dragging or with up/down buttons
 * (POST /queue/reorder) or shuffled (POST /queue/shuffle).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, messageOf, post, put, seg } from '../api';
import type { SocialAccount, Workspace } from '../api';
import { Page } from '../components/Layout';
import { ErrorBox, Loading } from '../components/ui';
import { PlatformIcon, useAccounts } from '../components/PostBits';
import { WEEKDAYS, accountLabel, excerpt, formatLocal, platformName, postLocal, splitLocal, zoneLabel } from '../posts';
import type { QueueSettings, QueueSlot, UpcomingSlot } from '../posts';
import { Link } from '../router';
import { currentWorkspace, useSession } from '../session';
import { canEdit, roleLabel } from '../util';
import { WithWorkspace } from './Sections';
import '../styles/posts.css';

type Scope = number | null;

const sortTimes = (list: string[]) => [...new Set(list)].sort();

function SlotsEditor({
  workspace,
  scope,
  slots,
  onSaved,
}: {
  workspace: Workspace;
  scope: Scope;
  slots: QueueSlot[];
  onSaved: (all: QueueSlot[] | null, mine: QueueSlot[]) => void;
}) {
  const editor = canEdit(workspace.role);
  const initial = () => {
    const by: Record<number, string[]> = {};
    for (const w of WEEKDAYS) by[w.n] = [];
    for (const s of slots) if ((s.account_id ?? null) === scope && by[s.weekday]) by[s.weekday]!.push(s.time.slice(0, 5));
    for (const w of WEEKDAYS) by[w.n] = sortTimes(by[w.n]!);
    return by;
  };
  const [grid, setGrid] = useState<Record<number, string[]>>(initial);
  const [adding, setAdding] = useState<Record<number, string>>({});
  const [everyDay, setEveryDay] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    setGrid(initial());
    setDirty(false);
  }, [scope, slots]);

  const change = (g: Record<number, string[]>) => {
    setGrid(g);
    setDirty(true);
    setSaved(null);
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const list = WEEKDAYS.flatMap((w) => (grid[w.n] ?? []).map((time) => ({ weekday: w.n, time })));
      const r = await put<Partial<QueueSettings>>(`/workspaces/${seg(workspace.id)}/queue`, { account_id: scope, slots: list });
      // The answer is the whole queue (every scope); without it, this scope's list as sent.
      onSaved(Array.isArray(r?.slots) ? r.slots : null, list.map((s) => ({ ...s, account_id: scope })));
      setDirty(false);
      setSaved('Slots saved.');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const total = WEEKDAYS.reduce((n, w) => n + (grid[w.n]?.length ?? 0), 0);
  return (
    <section class="card" aria-labelledby="slots-heading">
      <h2 id="slots-heading">Weekly slots</h2>
      <p class="field-hint">
        Times in {zoneLabel(workspace.timezone)}. “Add to queue” puts a post in the next free slot.{' '}
        {scope === null ? 'These slots serve every account without slots of its own.' : 'This account’s own slots; posts to it alone use these.'}
      </p>
      <div class="slot-grid" role="group" aria-label="Slots by weekday">
        {WEEKDAYS.map((w) => {
          const times = grid[w.n] ?? [];
          const id = `slot-add-${w.n}`;
          return (
            <div key={w.n} class="slot-day">
              <h3 class="slot-day-name">{w.long}</h3>
              {times.length === 0 ? (
                <p class="field-hint">No slots</p>
              ) : (
                <ul class="slot-times" aria-label={`${w.long} slots`}>
                  {times.map((t) => (
                    <li key={t} class="slot-time">
                      <span>{t}</span>
                      {editor && (
                        <button
                          type="button"
                          class="icon-button icon-danger"
                          aria-label={`Remove ${w.long} ${t}`}
                          onClick={() => change({ ...grid, [w.n]: times.filter((x) => x !== t) })}
                        >
                          ×
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              {editor && (
                <form
                  class="slot-add"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const v = adding[w.n] ?? '';
                    if (!/^\d{2}:\d{2}$/.test(v)) return;
                    change({ ...grid, [w.n]: sortTimes([...times, v]) });
                    setAdding({ ...adding, [w.n]: '' });
                  }}
                >
                  <label for={id} class="visually-hidden">
                    New slot on {w.long}
                  </label>
                  <input id={id} type="time" value={adding[w.n] ?? ''} onInput={(e) => setAdding({ ...adding, [w.n]: e.currentTarget.value })} />
                  <button type="submit" class="button button-secondary button-small" aria-label={`Add a slot on ${w.long}`}>
                    Add
                  </button>
                </form>
              )}
            </div>
          );
        })}
      </div>
      {editor && (
        <>
          <form
            class="slot-every"
            onSubmit={(e) => {
              e.preventDefault();
              if (!/^\d{2}:\d{2}$/.test(everyDay)) return;
              const g: Record<number, string[]> = {};
              for (const w of WEEKDAYS) g[w.n] = sortTimes([...(grid[w.n] ?? []), everyDay]);
              change(g);
              setEveryDay('');
            }}
          >
            <label for="slot-every-time">Add a slot on every day at</label>
            <input id="slot-every-time" type="time" value={everyDay} onInput={(e) => setEveryDay(e.currentTarget.value)} />
            <button type="submit" class="button button-secondary button-small">
              Add to every day
            </button>
          </form>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <div class="form-actions">
            <button type="button" class="button button-primary" disabled={busy || !dirty} onClick={() => void save()}>
              {busy ? 'Saving…' : `Save ${total} slot${total === 1 ? '' : 's'}`}
            </button>
            {dirty && <span class="field-hint">Unsaved changes.</span>}
            <span class="form-status" role="status">
              {saved}
            </span>
          </div>
        </>
      )}
    </section>
  );
}

function Upcoming({ workspace, scope, version }: { workspace: Workspace; scope: Scope; version: number }) {
  const editor = canEdit(workspace.role);
  const [items, setItems] = useState<UpcomingSlot[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const gen = useRef(0);
  const tz = workspace.timezone;

  useEffect(() => {
    const g = ++gen.current;
    setError(null);
    get<{ items: UpcomingSlot[] }>(`/workspaces/${seg(workspace.id)}/queue/upcoming?limit=100${scope !== null ? `&account_id=${scope}` : ''}`).then(
      (r) => {
        if (g === gen.current) setItems(r.items ?? []);
      },
      (err: unknown) => {
        if (g === gen.current) setError(err);
      },
    );
  }, [workspace.id, scope, version, tick]);

  const [showAll, setShowAll] = useState(false);
  const queued = (items ?? []).filter((i) => i.post);
  // Up to the last queued post and a few free slots after it, unless asked for all.
  const lastQueued = (items ?? []).reduce((n, it, i) => (it.post ? i : n), -1);
  const shown = showAll ? (items ?? []) : (items ?? []).slice(0, Math.max(lastQueued + 1, 0) + 6);
  const reorder = async (ids: number[], message: string) => {
    setBusy(true);
    setActionError(null);
    // Show the new order at once: the posts take the occupied slots in order.
    setItems((list) => {
      if (!list) return list;
      const byId = new Map(queued.map((q) => [q.post!.id, q.post!]));
      let k = 0;
      return list.map((slot) => (slot.post ? { ...slot, post: byId.get(ids[k++]!) ?? slot.post } : slot));
    });
    try {
      await post(`/workspaces/${seg(workspace.id)}/queue/reorder`, { account_id: scope, post_ids: ids });
      setStatus(message);
    } catch (err) {
      setActionError(`Could not reorder: ${messageOf(err)}`);
    } finally {
      setBusy(false);
      setTick((n) => n + 1);
    }
  };
  const moveTo = (from: number, to: number) => {
    if (to < 0 || to >= queued.length || from === to) return;
    const ids = queued.map((q) => q.post!.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id!);
    const p = queued[from]!.post!;
    void reorder(ids, `Moved “${excerpt(p.body, 40)}” to position ${to + 1}.`);
  };
  const shuffle = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await post(`/workspaces/${seg(workspace.id)}/queue/shuffle`, { account_id: scope });
      setStatus('The queue was shuffled.');
    } catch (err) {
      setActionError(`Could not shuffle: ${messageOf(err)}`);
    } finally {
      setBusy(false);
      setTick((n) => n + 1);
    }
  };

  return (
    <section class="card" aria-labelledby="upcoming-heading">
      <h2 id="upcoming-heading">Upcoming slots</h2>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {error ? (
        <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />
      ) : !items ? (
        <Loading label="Loading the queue…" />
      ) : items.length === 0 ? (
        <p class="empty-line">No slots yet: add some above.</p>
      ) : (
        <>
          {editor && queued.length > 1 && (
            <div class="row-actions queue-tools">
              <button type="button" class="button button-secondary button-small" disabled={busy} onClick={() => void shuffle()}>
                Shuffle
              </button>
              <span class="field-hint">Drag queued posts, or use the arrows, to change which slot each takes.</span>
            </div>
          )}
          {actionError && (
            <p class="form-error" role="alert">
              {actionError}
            </p>
          )}
          <ol class="rows upcoming">
            {shown.map((slot) => {
              const p = slot.post;
              const local = splitLocal(slot.local) ?? postLocal({ at: slot.at }, tz);
              const qi = p ? queued.findIndex((q) => q.post!.id === p.id) : -1;
              return (
                <li
                  key={`${slot.at}-${p?.id ?? 'free'}`}
                  class={`row upcoming-slot${p ? '' : ' upcoming-free'}${dragFrom !== null && qi >= 0 ? ' upcoming-target' : ''}`}
                  draggable={editor && !!p && !busy}
                  onDragStart={(e) => {
                    if (qi < 0) return;
                    e.dataTransfer?.setData('text/x-p2s-queue', String(qi));
                    setDragFrom(qi);
                  }}
                  onDragEnd={() => setDragFrom(null)}
                  onDragOver={(e) => {
                    if (qi >= 0 && e.dataTransfer?.types.includes('text/x-p2s-queue')) e.preventDefault();
                  }}
                  onDrop={(e) => {
                    const from = Number(e.dataTransfer?.getData('text/x-p2s-queue'));
                    setDragFrom(null);
                    if (qi >= 0 && Number.isInteger(from)) {
                      e.preventDefault();
                      moveTo(from, qi);
                    }
                  }}
                >
                  <span class="upcoming-when">{formatLocal(local)}</span>
                  {p ? (
                    <>
                      <span class="row-main upcoming-post">
                        <span class="list-accounts">
                          {[...new Set(p.targets.map((t) => t.platform))].map((pf) => (
                            <PlatformIcon key={pf} platform={pf} size="sm" label />
                          ))}
                        </span>{' '}
                        <Link href={`/compose?post=${p.id}`}>{excerpt(p.body, 80)}</Link>
                      </span>
                      {editor && (
                        <span class="row-actions">
                          <button
                            type="button"
                            class="icon-button"
                            disabled={busy || qi === 0}
                            aria-label={`Move earlier: ${excerpt(p.body, 40)}`}
                            onClick={() => moveTo(qi, qi - 1)}
                          >
                            ↑
                          </button>
                          <button
                            type="button"
                            class="icon-button"
                            disabled={busy || qi === queued.length - 1}
                            aria-label={`Move later: ${excerpt(p.body, 40)}`}
                            onClick={() => moveTo(qi, qi + 1)}
                          >
                            ↓
                          </button>
                        </span>
                      )}
                    </>
                  ) : (
                    <span class="row-main muted">Free</span>
                  )}
                </li>
              );
            })}
          </ol>
          {shown.length < items.length && (
            <div class="list-footer">
              <button type="button" class="button button-secondary button-small" onClick={() => setShowAll(true)}>
                Show {items.length - shown.length} more slots
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function QueueBody({ workspace }: { workspace: Workspace }) {
  const { accounts } = useAccounts(workspace.id);
  const [settings, setSettings] = useState<QueueSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scope, setScope] = useState<Scope>(null);
  const [version, setVersion] = useState(0);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    get<QueueSettings>(`/workspaces/${seg(workspace.id)}/queue`).then(
      (r) => {
        if (live) setSettings({ timezone: r.timezone ?? workspace.timezone, slots: Array.isArray(r.slots) ? r.slots : [] });
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [workspace.id, tick]);

  const usableAccounts = (accounts ?? []).filter((a: SocialAccount) => a.status !== 'disconnected');
  const countFor = (s: Scope) => (settings?.slots ?? []).filter((x) => (x.account_id ?? null) === s).length;

  return (
    <>
      {!canEdit(workspace.role) && <p class="notice">Editors and up change the queue. You can see it.</p>}
      <div class="field queue-scope">
        <label for="queue-scope">Slots for</label>
        <select
          id="queue-scope"
          value={scope === null ? '' : String(scope)}
          onChange={(e) => setScope(e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}
        >
          <option value="">The whole workspace{settings ? `: ${countFor(null)} slot${countFor(null) === 1 ? '' : 's'}` : ''}</option>
          {usableAccounts.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name || accountLabel(a)} ({platformName(a.platform)}){settings ? `: ${countFor(a.id)} slot${countFor(a.id) === 1 ? '' : 's'}` : ''}
            </option>
          ))}
        </select>
      </div>
      {error ? (
        <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />
      ) : !settings ? (
        <Loading label="Loading slots…" />
      ) : (
        <>
          <SlotsEditor
            workspace={workspace}
            scope={scope}
            slots={settings.slots}
            onSaved={(all, mine) => {
              setSettings((s) => {
                const others = (s?.slots ?? []).filter((x) => (x.account_id ?? null) !== scope);
                return { timezone: s?.timezone ?? workspace.timezone, slots: all ?? [...others, ...mine] };
              });
              setVersion((n) => n + 1);
            }}
          />
          <Upcoming workspace={workspace} scope={scope} version={version} />
        </>
      )}
    </>
  );
}

export function Queue() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page title="Queue" heading="Queue" intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}>
      <WithWorkspace>
        {workspace && (
          <div key={workspace.id}>
            <QueueBody workspace={workspace} />
          </div>
        )}
      </WithWorkspace>
    </Page>
  );
}
