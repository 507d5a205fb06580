/*
 * Settings → Notifications: per workspace, which kinds the signed-in person is
 * told of in the app and by email, and the hourly digest. Each change is saved
 * at once.
 */
import { useRef, useState } from 'preact/hooks';
import { get, messageOf, put, seg } from '../../api';
import type { Workspace } from '../../api';
import { ErrorBox, Loading, useLoad } from '../../components/ui';
import { onlyAsAuthor, whyNotTold } from '../../notifications';
import { WorkspacePage } from './SettingsLayout';

interface KindPref {
  kind: string;
  label: string;
  in_app: boolean;
  email: boolean;
  default_in_app: boolean;
  default_email: boolean;
  applies: boolean;
}

interface Prefs {
  workspace_id: number;
  digest: boolean;
  kinds: KindPref[];
}

interface PrefsChange {
  kinds?: { kind: string; in_app?: boolean; email?: boolean }[];
  digest?: boolean;
}

const onOff = (v: boolean) => (v ? 'on' : 'off');

function PreferencesForm({ workspace }: { workspace: Workspace }) {
  const path = `/workspaces/${seg(workspace.id)}/notification-preferences`;
  const { data, setData, error, loading, reload } = useLoad(() => get<Prefs>(path), [workspace.id]);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(0);
  // Saves go one after the other, each from what the server last answered.
  const chain = useRef<Promise<void>>(Promise.resolve());

  if (loading && !data) return <Loading label="Loading your preferences…" />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return null;

  const save = (change: PrefsChange, optimistic: Prefs, done: string) => {
    const before = data;
    setData(optimistic);
    setSaveError(null);
    setSaving((n) => n + 1);
    chain.current = chain.current.then(async () => {
      try {
        const saved = await put<Prefs>(path, change);
        setData(saved);
        setStatus(done);
      } catch (err) {
        setData(before);
        setSaveError(`Not saved: ${messageOf(err)}`);
        setStatus('');
      } finally {
        setSaving((n) => n - 1);
      }
    });
  };

  const setKind = (k: KindPref, channel: 'in_app' | 'email', value: boolean) => {
    const next: Prefs = { ...data, kinds: data.kinds.map((x) => (x.kind === k.kind ? { ...x, [channel]: value } : x)) };
    save(
      { kinds: [{ kind: k.kind, [channel]: value }] },
      next,
      `Saved: “${k.label}” ${channel === 'in_app' ? 'in the app' : 'by email'} is ${onOff(value)}.`,
    );
  };

  const defaults = data.kinds.every((k) => k.in_app === k.default_in_app && k.email === k.default_email);
  const role = workspace.role;
  return (
    <>
      <p>
        Choose what you hear of in <strong>{workspace.name}</strong>: in the app (the bell and the pop-ups) and by email. Turned
        off in the app, a kind makes no notification for you at all.
      </p>
      {role === 'viewer' && (
        <p class="notice">As a viewer you are not told of anything in this workspace.</p>
      )}
      <table class="data-table prefs-table">
        <caption class="visually-hidden">Notification preferences in {workspace.name}</caption>
        <thead>
          <tr>
            <th scope="col">What happened</th>
            <th scope="col" class="prefs-toggle">
              In app
            </th>
            <th scope="col" class="prefs-toggle">
              Email
            </th>
          </tr>
        </thead>
        <tbody>
          {data.kinds.map((k) => {
            const whyId = `pref-why-${k.kind.replace(/\W/g, '-')}`;
            const note = !k.applies ? `Not sent to you: ${whyNotTold(k.kind, role)}` : onlyAsAuthor(k.kind, role) ? 'Only about posts you wrote.' : null;
            return (
              <tr key={k.kind} class={k.applies ? undefined : 'prefs-na'} data-kind={k.kind} data-applies={k.applies ? 'true' : 'false'}>
                <td data-label="What happened">
                  <span>
                    {k.label}
                    {note && (
                      <span class="prefs-why" id={whyId}>
                        {note}
                      </span>
                    )}
                  </span>
                </td>
                <td data-label="In app" class="prefs-toggle">
                  <input
                    type="checkbox"
                    checked={k.in_app}
                    disabled={!k.applies}
                    aria-label={`${k.label}: in the app`}
                    aria-describedby={note ? whyId : undefined}
                    onChange={(e) => setKind(k, 'in_app', e.currentTarget.checked)}
                  />
                </td>
                <td data-label="Email" class="prefs-toggle">
                  <input
                    type="checkbox"
                    checked={k.email}
                    disabled={!k.applies}
                    aria-label={`${k.label}: by email`}
                    aria-describedby={note ? whyId : undefined}
                    onChange={(e) => setKind(k, 'email', e.currentTarget.checked)}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="field field-check">
        <input
          id="pref-digest"
          type="checkbox"
          checked={data.digest}
          aria-describedby="pref-digest-hint"
          onChange={(e) => {
            const v = e.currentTarget.checked;
            save({ digest: v }, { ...data, digest: v }, `Saved: the hourly digest is ${onOff(v)}.`);
          }}
        />
        <label for="pref-digest">Hourly digest</label>
        <p class="field-hint" id="pref-digest-hint">
          Gather your emails from {workspace.name} into one email an hour instead of one each.
        </p>
      </div>
      <p class="form-actions">
        <button
          type="button"
          class="button button-secondary button-small"
          disabled={defaults || saving > 0}
          onClick={() =>
            save(
              { kinds: data.kinds.map((k) => ({ kind: k.kind, in_app: k.default_in_app, email: k.default_email })) },
              { ...data, kinds: data.kinds.map((k) => ({ ...k, in_app: k.default_in_app, email: k.default_email })) },
              'Saved: every kind is back to its default.',
            )
          }
        >
          Back to the defaults
        </button>
      </p>
      {saveError && (
        <p class="form-error" role="alert">
          {saveError}
        </p>
      )}
      <p class="form-status" role="status">
        {saving > 0 ? 'Saving…' : status}
      </p>
    </>
  );
}

export function NotificationPreferences() {
  return <WorkspacePage title="Notifications">{(workspace) => <PreferencesForm workspace={workspace} />}</WorkspacePage>;
}
