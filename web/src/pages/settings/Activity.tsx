/* Settings → Activity (admins): who did what, when, from where; newest first, paged. */
import { useState } from 'preact/hooks';
import { get, seg } from '../../api';
import type { ActivityEntry, Workspace } from '../../api';
import { EmptyState, ErrorBox, Loading, useLoad } from '../../components/ui';
import { browserName, formatTime } from '../../util';
import { WorkspacePage } from './SettingsLayout';

const PAGE = 50;

interface ActivityPage {
  items: ActivityEntry[];
  next_before: number | null;
}

/** "role: editor, email: a@b" from whatever the server recorded. */
function summary(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(summary).filter(Boolean).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return '';
}

function ActivityLog({ workspace }: { workspace: Workspace }) {
  const path = (before?: number) =>
    `/workspaces/${seg(workspace.id)}/activity?limit=${PAGE}` + (before !== undefined ? `&before=${before}` : '');
  const first = useLoad(() => get<ActivityPage>(path()), [workspace.id]);
  const [more, setMore] = useState<ActivityEntry[]>([]);
  const [next, setNext] = useState<number | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);

  if (first.loading && !first.data) return <Loading label="Loading activity…" />;
  if (first.error) return <ErrorBox error={first.error} onRetry={first.reload} />;
  const items = [...(first.data?.items ?? []), ...more];
  const cursor = next === undefined ? (first.data?.next_before ?? null) : next;

  if (items.length === 0) {
    return (
      <EmptyState title="No activity yet">
        <p>Sign-ins to this workspace, invitations, role changes and other actions will be listed here.</p>
      </EmptyState>
    );
  }

  const loadMore = async () => {
    if (cursor === null) return;
    setBusy(true);
    setMoreError(null);
    try {
      const page = await get<ActivityPage>(path(cursor));
      setMore((m) => [...m, ...page.items]);
      setNext(page.next_before ?? null);
    } catch (err) {
      setMoreError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <table class="data-table">
        <caption class="visually-hidden">Activity in {workspace.name}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">IP address</th>
            <th scope="col">Browser</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => {
            const detail = [summary(e.target), summary(e.details)].filter(Boolean).join(' · ');
            return (
              <tr key={e.id}>
                <td data-label="Time">
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                </td>
                <td data-label="Who">{e.user_name ?? (e.user_id !== null ? `user ${e.user_id}` : 'System')}</td>
                <td data-label="Action">
                  <span>
                    <span class="mono">{e.action}</span>
                    {detail && <span class="cell-detail">{detail}</span>}
                  </span>
                </td>
                <td data-label="IP address">
                  <span class="mono">{e.ip || '—'}</span>
                </td>
                <td data-label="Browser" title={e.user_agent ?? undefined}>
                  {e.user_agent ? browserName(e.user_agent) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {moreError !== null && <ErrorBox error={moreError} />}
      <p class="visually-hidden" role="status">
        {more.length > 0 ? `${items.length} entries shown.` : ''}
      </p>
      <p class="list-footer">
        {cursor !== null ? (
          <button type="button" class="button button-secondary" disabled={busy} onClick={loadMore}>
            {busy ? 'Loading…' : 'Load more'}
          </button>
        ) : (
          <span class="muted">That is everything: {items.length} entries.</span>
        )}
      </p>
    </>
  );
}

export function Activity() {
  return (
    <WorkspacePage title="Activity" adminOnly>
      {(workspace) => <ActivityLog workspace={workspace} />}
    </WorkspacePage>
  );
}
