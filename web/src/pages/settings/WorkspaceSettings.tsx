/* Settings → General: rename the workspace, its time zone, delete it. */
import { useState } from 'preact/hooks';
import { del, messageOf, patch, seg } from '../../api';
import type { Workspace } from '../../api';
import { setFlash } from '../../components/Layout';
import { ConfirmButton, FormError, SubmitButton, TextField, TimeZoneField, invalid, useAction } from '../../components/ui';
import { navigate } from '../../router';
import { loadWorkspaces } from '../../session';
import { formatTime, isAdmin, roleLabel, timeZones } from '../../util';
import { WorkspacePage } from './SettingsLayout';

function EditWorkspace({ workspace }: { workspace: Workspace }) {
  const [name, setName] = useState(workspace.name);
  const [timezone, setTimezone] = useState(workspace.timezone);
  const [saved, setSaved] = useState(false);
  const { busy, error, submit, formRef } = useAction();

  const onSubmit = submit(async () => {
    setSaved(false);
    if (!name.trim()) throw invalid('name', 'Enter a name for the workspace.');
    await patch<{ workspace: Workspace }>(`/workspaces/${seg(workspace.id)}`, { name: name.trim(), timezone });
    await loadWorkspaces();
    setSaved(true);
  });

  return (
    <form class="card form" ref={formRef} onSubmit={onSubmit} noValidate>
      <h2>Name and time zone</h2>
      <FormError error={error} fields={['name', 'timezone']} />
      <TextField
        id="ws-name"
        name="name"
        label="Workspace name"
        required
        maxLength={200}
        value={name}
        onInput={(e) => {
          setName(e.currentTarget.value);
          setSaved(false);
        }}
        error={error}
      />
      <TimeZoneField
        id="ws-timezone"
        name="timezone"
        label="Time zone"
        hint="Posts are scheduled and shown in this time zone."
        value={timezone}
        zones={timeZones(timezone)}
        onChange={(e) => {
          setTimezone(e.currentTarget.value);
          setSaved(false);
        }}
        error={error}
      />
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Saving…">
          Save changes
        </SubmitButton>
        <p class="form-status" role="status">
          {saved ? 'Saved.' : ''}
        </p>
      </div>
    </form>
  );
}

function DeleteWorkspace({ workspace }: { workspace: Workspace }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="card danger-zone" aria-labelledby="delete-ws-heading">
      <h2 id="delete-ws-heading">Delete this workspace</h2>
      <p>
        Deleting {workspace.name} removes it for every member, with its posts, accounts and history.
        This cannot be undone.
      </p>
      <ConfirmButton
        label="Delete workspace"
        confirmLabel="Yes, delete it"
        question={`Delete ${workspace.name} for everyone?`}
        onConfirm={async () => {
          setError(null);
          try {
            await del(`/workspaces/${seg(workspace.id)}`);
            await loadWorkspaces();
            setFlash(`The workspace ${workspace.name} was deleted.`, '/calendar');
            navigate('/calendar');
          } catch (err) {
            setError(messageOf(err));
          }
        }}
      />
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function WorkspaceSettings() {
  return (
    <WorkspacePage title="Workspace settings">
      {(workspace) => (
        <>
          {isAdmin(workspace.role) ? (
            <EditWorkspace workspace={workspace} />
          ) : (
            <div class="card">
              <dl class="facts">
                <dt>Name</dt>
                <dd>{workspace.name}</dd>
                <dt>Time zone</dt>
                <dd>{workspace.timezone.replace(/_/g, ' ')}</dd>
                <dt>Your role</dt>
                <dd>{roleLabel(workspace.role)}</dd>
                <dt>Created</dt>
                <dd>{formatTime(workspace.created_at)}</dd>
              </dl>
              <p class="muted">Only owners and admins can rename the workspace or change its time zone.</p>
            </div>
          )}
          {workspace.role === 'owner' && <DeleteWorkspace workspace={workspace} />}
        </>
      )}
    </WorkspacePage>
  );
}
