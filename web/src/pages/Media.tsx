/*
 * Media: the workspace's library of images and videos. Uploading (file
 * picker or drag and drop, one file at a time with progress and a way to
 * cancel), browsing by kind, renaming, alt text, deleting.
 * Contributors and up upload and edit; editors and up delete; viewers read.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { UploadAborted, del, get, messageOf, patch, seg, upload } from '../api';
import type { MediaFit, MediaItem, MediaPage, Workspace } from '../api';
import { Page } from '../components/Layout';
import {
  ConfirmButton,
  EmptyState,
  ErrorBox,
  FormError,
  Loading,
  SubmitButton,
  TextField,
  fieldError,
  invalid,
  useAction,
} from '../components/ui';
import { currentWorkspace, useSession } from '../session';
import { canContribute, canEdit, formatDate, formatTime, roleLabel } from '../util';
import { platformLabel } from './Accounts';
import { Icon, WithWorkspace } from './Sections';

/** What the server accepts (it decides by the bytes; this only guides the picker). */
const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime';
const PAGE_SIZE = 40;

type Filter = 'all' | 'image' | 'video';

const FILTERS: readonly { id: Filter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'image', label: 'Images' },
  { id: 'video', label: 'Videos' },
];

/* ---------- Formatting ---------- */

/** 12.3 KB, 4.5 MB, 1.2 GB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`;
}

/** 0:07, 3:25, 1:02:03. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0:00';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function kindLabel(item: MediaItem): string {
  const format = item.format ? item.format.toUpperCase() : null;
  if (item.kind === 'video') return format ? `${format} video` : 'Video';
  const base = format ? `${format} image` : 'Image';
  return item.animated ? `${base} (animated)` : base;
}

/**
 * Names of publishing targets (the keys of an item's "fit"). Plain posts are
 * named by the platform alone (x_image: X); special formats by both.
 */
const TARGET_LABEL: Readonly<Record<string, string>> = {
  instagram_carousel_item: 'Instagram carousel',
  instagram_reel: 'Instagram Reel',
  instagram_story: 'Instagram Story',
  facebook_reel: 'Facebook Reel',
  facebook_story: 'Facebook Story',
  youtube_short: 'YouTube Short',
};

/** Formats that are just "a post with this file" on their platform. */
const PLAIN_FORMATS = new Set(['image', 'photo', 'video', 'post', 'feed']);

export function targetLabel(id: string): string {
  if (TARGET_LABEL[id]) return TARGET_LABEL[id]!;
  const [platform = '', ...rest] = id.split('_');
  let base = platformLabel(platform);
  if (base === platform && base) base = base[0]!.toUpperCase() + base.slice(1);
  const tail = rest.join(' ');
  if (tail === '' || PLAIN_FORMATS.has(tail)) return base;
  return `${base} ${tail[0]!.toUpperCase()}${tail.slice(1)}`;
}

const unique = (list: string[]) => [...new Set(list)];

/** A note as a sentence: capital first, full stop last. */
function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const s = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

function fitEntries(fit: MediaItem['fit']): [string, MediaFit][] {
  if (!fit || typeof fit !== 'object') return [];
  return Object.entries(fit).filter(
    (e): e is [string, MediaFit] => !!e[1] && typeof e[1] === 'object' && typeof e[1].ok === 'boolean',
  );
}

function notes(list: string[] | null | undefined): string[] {
  return Array.isArray(list) ? list.filter((x) => typeof x === 'string' && x !== '') : [];
}

/* ---------- Uploading ---------- */

type UploadState = 'queued' | 'uploading' | 'done' | 'duplicate' | 'error' | 'cancelled';

interface Entry {
  key: number;
  name: string;
  size: number;
  progress: number;
  state: UploadState;
  message: string;
}

interface UploadReply {
  media: MediaItem;
  duplicate: boolean;
}

let nextKey = 1;

/** A queue of uploads sent one after another, each cancellable. */
function useUploads(workspace: Workspace, onUploaded: (item: MediaItem) => void, announce: (text: string) => void) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const queue = useRef<{ key: number; file: File }[]>([]);
  const running = useRef(false);
  const live = useRef(true);
  const aborts = useRef(new Map<number, () => void>());
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  useEffect(() => {
    live.current = true;
    const inFlight = aborts.current;
    return () => {
      live.current = false;
      queue.current = [];
      for (const abort of inFlight.values()) abort();
    };
  }, []);

  const update = (key: number, change: Partial<Entry>) => {
    if (live.current) setEntries((list) => list.map((e) => (e.key === key ? { ...e, ...change } : e)));
  };

  const pump = async () => {
    if (running.current) return;
    running.current = true;
    try {
      while (live.current && queue.current.length > 0) {
        const { key, file } = queue.current.shift()!;
        update(key, { state: 'uploading', progress: 0 });
        let last = 0;
        const job = upload<UploadReply>(
          `/workspaces/${seg(workspace.id)}/media?name=${encodeURIComponent(file.name)}`,
          file,
          (fraction) => {
            const pct = Math.floor(fraction * 100);
            if (pct !== last) {
              last = pct;
              update(key, { progress: pct });
            }
          },
        );
        aborts.current.set(key, job.abort);
        try {
          const { data } = await job.done;
          if (data.duplicate) {
            update(key, { state: 'duplicate', progress: 100, message: 'Already in your library.' });
            announce(`${file.name}: already in your library.`);
          } else {
            update(key, { state: 'done', progress: 100, message: 'Uploaded.' });
            announce(`${file.name} uploaded.`);
          }
          if (live.current) uploaded.current(data.media);
        } catch (err) {
          if (err instanceof UploadAborted) {
            update(key, { state: 'cancelled', message: 'Cancelled.' });
            announce(`${file.name}: upload cancelled.`);
          } else {
            const message = messageOf(err);
            update(key, { state: 'error', message });
            announce(`${file.name} was not uploaded: ${message}`);
          }
        } finally {
          aborts.current.delete(key);
        }
      }
    } finally {
      running.current = false;
    }
  };

  const add = (files: Iterable<File>) => {
    const added: Entry[] = [];
    for (const file of files) {
      const key = nextKey++;
      added.push({ key, name: file.name || 'Unnamed file', size: file.size, progress: 0, state: 'queued', message: '' });
      queue.current.push({ key, file });
    }
    if (added.length === 0) return;
    setEntries((list) => [...list, ...added]);
    void pump();
  };

  const cancel = (key: number) => {
    const abort = aborts.current.get(key);
    if (abort) {
      abort();
      return;
    }
    queue.current = queue.current.filter((q) => q.key !== key);
    update(key, { state: 'cancelled', message: 'Cancelled.' });
  };

  /** Forget the finished ones. */
  const clear = () => setEntries((list) => list.filter((e) => e.state === 'queued' || e.state === 'uploading'));

  return { entries, add, cancel, clear };
}

function UploadRow({ entry, onCancel }: { entry: Entry; onCancel: () => void }) {
  const id = `upload-${entry.key}`;
  const active = entry.state === 'queued' || entry.state === 'uploading';
  const tone =
    entry.state === 'done' ? 'upload-ok' : entry.state === 'error' ? 'upload-failed' : entry.state === 'duplicate' ? 'upload-same' : '';
  return (
    <li class={`upload-row ${tone}`.trim()}>
      <div class="upload-head">
        <span class="upload-name" id={`${id}-name`}>
          {entry.name}
        </span>
        <span class="upload-size">{formatBytes(entry.size)}</span>
      </div>
      {active ? (
        <div class="upload-progress">
          <progress
            max={100}
            value={entry.state === 'queued' ? 0 : entry.progress}
            aria-label={`Uploading ${entry.name}`}
            aria-valuetext={entry.state === 'queued' ? 'Waiting' : `${entry.progress}%`}
          />
          <span class="upload-percent" aria-hidden="true">
            {entry.state === 'queued' ? 'Waiting…' : `${entry.progress}%`}
          </span>
          <button
            type="button"
            class="button button-secondary button-small"
            aria-label={`Cancel uploading ${entry.name}`}
            onClick={onCancel}
          >
            Cancel
          </button>
        </div>
      ) : (
        <p class="upload-result">
          {entry.state === 'done' && <span class="badge badge-success">Uploaded</span>}
          {entry.state === 'duplicate' && <span class="badge">Already in your library</span>}
          {entry.state === 'cancelled' && <span class="badge badge-quiet">Cancelled</span>}
          {entry.state === 'error' && (
            <span class="upload-error">
              <span class="badge badge-danger">Not uploaded</span> {entry.message}
            </span>
          )}
        </p>
      )}
    </li>
  );
}

function UploadSection({ uploads }: { uploads: ReturnType<typeof useUploads> }) {
  const [over, setOver] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const depth = useRef(0);
  const finished = uploads.entries.some((e) => e.state !== 'queued' && e.state !== 'uploading');

  const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');

  return (
    <section class="card media-upload" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload</h2>
      <div
        class={over ? 'dropzone dropzone-over' : 'dropzone'}
        onDragEnter={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          depth.current++;
          setOver(true);
        }}
        onDragOver={(e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => {
          depth.current = Math.max(0, depth.current - 1);
          if (depth.current === 0) setOver(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          depth.current = 0;
          setOver(false);
          if (e.dataTransfer?.files) uploads.add(Array.from(e.dataTransfer.files));
        }}
      >
        <input
          ref={inputRef}
          id="media-files"
          class="visually-hidden dropzone-input"
          type="file"
          accept={ACCEPT}
          multiple
          aria-describedby="media-files-hint"
          onChange={(e) => {
            const files = e.currentTarget.files;
            if (files) uploads.add(Array.from(files));
            e.currentTarget.value = '';
          }}
        />
        <label for="media-files" class="button button-primary dropzone-button">
          Choose files
        </label>
        <p class="dropzone-text" aria-hidden="true">
          or drop them here
        </p>
        <p class="field-hint" id="media-files-hint">
          JPEG, PNG, WebP and GIF images; MP4 and MOV videos. The same file twice is kept once.
        </p>
      </div>
      {uploads.entries.length > 0 && (
        <>
          <ul class="upload-list" aria-label="Uploads">
            {uploads.entries.map((entry) => (
              <UploadRow key={entry.key} entry={entry} onCancel={() => uploads.cancel(entry.key)} />
            ))}
          </ul>
          {finished && (
            <p class="upload-clear">
              <button type="button" class="link-button" onClick={uploads.clear}>
                Clear finished uploads
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

/* ---------- The library ---------- */

function FitSummary({ item }: { item: MediaItem }) {
  const entries = fitEntries(item.fit);
  if (entries.length === 0) return null;
  const fits = unique(entries.filter(([, f]) => f.ok).map(([t]) => targetLabel(t)));
  const not = unique(entries.filter(([, f]) => !f.ok).map(([t]) => targetLabel(t)));
  const details = entries.filter(([, f]) => notes(f.problems).length > 0 || notes(f.warnings).length > 0);
  return (
    <div class="media-fit">
      <p class="media-fit-summary">
        {fits.length > 0 && (
          <span>
            <span class="media-fit-label">Fits:</span> {fits.join(', ')}
          </span>
        )}
        {fits.length > 0 && not.length > 0 && ' · '}
        {not.length > 0 && (
          <span>
            <span class="media-fit-label">Not for:</span> {not.join(', ')}
          </span>
        )}
      </p>
      {details.length > 0 && (
        <details class="media-fit-details">
          <summary>Why</summary>
          <ul>
            {details.map(([t, f]) => (
              <li key={t}>
                <strong>{targetLabel(t)}:</strong> {[...notes(f.problems), ...notes(f.warnings)].map(sentence).join(' ')}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function Thumbnail({ item }: { item: MediaItem }) {
  const [failed, setFailed] = useState(false);
  if (!item.thumbnail_url || failed) {
    return (
      <div class="media-thumb media-thumb-none" aria-hidden="true">
        <Icon name={item.kind === 'video' ? 'video' : 'media'} />
      </div>
    );
  }
  return (
    <div class="media-thumb">
      <img
        src={item.thumbnail_url}
        alt={item.alt_text ?? ''}
        width={item.width || undefined}
        height={item.height || undefined}
        loading="lazy"
        decoding="async"
        onError={() => setFailed(true)}
      />
      {item.kind === 'video' && (
        <span class="media-duration" aria-hidden="true">
          {formatDuration(item.duration_s)}
        </span>
      )}
    </div>
  );
}

function EditForm({
  item,
  workspace,
  onSaved,
  onClose,
}: {
  item: MediaItem;
  workspace: Workspace;
  onSaved: (item: MediaItem) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(item.name);
  const [alt, setAlt] = useState(item.alt_text ?? '');
  const { busy, error, submit, formRef } = useAction();
  const altId = `media-${item.id}-alt`;
  const altError = fieldError(error, 'alt_text');
  const firstRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    firstRef.current?.querySelector('input')?.focus();
  }, []);

  return (
    <form
      ref={formRef}
      class="form media-edit"
      aria-label={`Edit ${item.name}`}
      noValidate
      onSubmit={submit(async () => {
        const trimmed = name.trim();
        if (trimmed === '') throw invalid('name', 'Give the file a name.');
        const r = await patch<{ media: MediaItem }>(`/workspaces/${seg(workspace.id)}/media/${seg(item.id)}`, {
          name: trimmed,
          alt_text: alt.trim(),
        });
        onSaved(r.media);
      })}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) onClose();
      }}
    >
      <FormError error={error} fields={['name', 'alt_text']} />
      <div ref={firstRef}>
        <TextField
          id={`media-${item.id}-name`}
          name="name"
          label="Name"
          required
          maxLength={200}
          value={name}
          error={error}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class={altError ? 'field field-invalid' : 'field'}>
        <label for={altId}>
          Alt text<span class="optional"> (optional)</span>
        </label>
        <textarea
          id={altId}
          name="alt_text"
          rows={3}
          maxLength={1000}
          value={alt}
          aria-invalid={altError ? 'true' : undefined}
          aria-describedby={altError ? `${altId}-hint ${altId}-error` : `${altId}-hint`}
          onInput={(e) => setAlt(e.currentTarget.value)}
        />
        <p class="field-hint" id={`${altId}-hint`}>
          {item.kind === 'video'
            ? 'Describe what the video shows. People who use screen readers hear it; platforms that accept a description get it with the post.'
            : 'Describe what the image shows. People who use screen readers hear it instead of seeing the image; platforms that accept alt text get it with the post.'}
        </p>
        {altError && (
          <p class="field-error" id={`${altId}-error`}>
            {altError}
          </p>
        )}
      </div>
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Saving…">
          Save
        </SubmitButton>
        <button type="button" class="button button-secondary" disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function MediaCard({
  item,
  workspace,
  mayEdit,
  mayDelete,
  onSaved,
  onDelete,
}: {
  item: MediaItem;
  workspace: Workspace;
  mayEdit: boolean;
  mayDelete: boolean;
  onSaved: (item: MediaItem) => void;
  onDelete: () => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (!editing && wasEditing.current) editRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  const facts = [kindLabel(item)];
  if (item.width > 0 && item.height > 0) facts.push(`${item.width} × ${item.height}`);
  if (item.kind === 'video') facts.push(formatDuration(item.duration_s));
  facts.push(formatBytes(item.size));

  return (
    <li class="media-card">
      <Thumbnail item={item} />
      <div class="media-body">
        <p class="media-name">{item.name}</p>
        <p class="media-facts">
          {facts.join(' · ')}
          <br />
          <span title={formatTime(item.created_at)}>Added {formatDate(item.created_at)}</span>
        </p>
        <FitSummary item={item} />
        {item.alt_text ? (
          <p class="media-alt">
            <span class="media-fit-label">Alt text:</span> {item.alt_text}
          </p>
        ) : (
          <p class="media-alt media-alt-missing">No alt text yet</p>
        )}
        {editing ? (
          <EditForm
            item={item}
            workspace={workspace}
            onSaved={(saved) => {
              onSaved(saved);
              setEditing(false);
            }}
            onClose={() => setEditing(false)}
          />
        ) : (
          (mayEdit || mayDelete) && (
            <div class="row-actions media-actions">
              {mayEdit && (
                <button
                  ref={editRef}
                  type="button"
                  class="button button-secondary button-small"
                  aria-label={`Edit name and alt text of ${item.name}`}
                  onClick={() => setEditing(true)}
                >
                  Edit
                </button>
              )}
              {mayDelete && (
                <ConfirmButton
                  label="Delete"
                  accessibleName={`Delete ${item.name}`}
                  confirmLabel="Yes, delete"
                  question={`Delete ${item.name}?`}
                  detail="The file and its thumbnail are removed from this workspace for good."
                  onConfirm={onDelete}
                />
              )}
            </div>
          )
        )}
      </div>
    </li>
  );
}

interface Library {
  items: MediaItem[];
  next: number | null;
  usage: MediaPage['usage'];
}

function MediaBody({ workspace }: { workspace: Workspace }) {
  const mayUpload = canContribute(workspace.role);
  const mayDelete = canEdit(workspace.role);
  const [filter, setFilter] = useState<Filter>('all');
  const [library, setLibrary] = useState<Library | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const generation = useRef(0);

  const base = `/workspaces/${seg(workspace.id)}/media`;
  const query = (before: number | null) =>
    `${base}?limit=${PAGE_SIZE}${filter === 'all' ? '' : `&kind=${filter}`}${before ? `&before=${before}` : ''}`;

  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    setError(null);
    setMoreError(null);
    get<MediaPage>(query(null)).then(
      (page) => {
        if (gen !== generation.current) return;
        setLibrary({ items: page.items, next: page.next_before, usage: page.usage });
        setLoading(false);
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      generation.current++;
    };
  }, [workspace.id, filter, tick]);

  const loadMore = async () => {
    if (!library?.next) return;
    const gen = generation.current;
    setMoreBusy(true);
    setMoreError(null);
    try {
      const page = await get<MediaPage>(query(library.next));
      if (gen !== generation.current) return;
      setLibrary((lib) =>
        lib
          ? {
              items: [...lib.items, ...page.items.filter((p) => !lib.items.some((i) => i.id === p.id))],
              next: page.next_before,
              usage: page.usage,
            }
          : lib,
      );
      setStatus(`${page.items.length} more loaded.`);
    } catch (err) {
      if (gen === generation.current) setMoreError(messageOf(err));
    } finally {
      setMoreBusy(false);
    }
  };

  const uploads = useUploads(
    workspace,
    (item) => {
      setLibrary((lib) => {
        if (!lib) return lib;
        if (lib.items.some((i) => i.id === item.id)) return lib;
        const usage = { ...lib.usage, bytes: lib.usage.bytes + item.size };
        if (filter !== 'all' && item.kind !== filter) return { ...lib, usage };
        return { ...lib, items: [item, ...lib.items], usage };
      });
    },
    setStatus,
  );

  const items = library?.items ?? [];
  const usage = library?.usage;
  const filterLabel = FILTERS.find((f) => f.id === filter)!.label.toLowerCase();

  return (
    <>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {mayUpload ? (
        <UploadSection uploads={uploads} />
      ) : (
        <p class="notice">
          You can look at the library of {workspace.name}. Contributors and up can upload and describe files, editors
          and up can delete them. Your role here is {roleLabel(workspace.role).toLowerCase()}.
        </p>
      )}

      <section aria-labelledby="library-heading">
        <div class="media-toolbar">
          <h2 id="library-heading" class="section-heading">
            Library
          </h2>
          {usage && (
            <p class="media-usage">
              {formatBytes(usage.bytes)} used of {formatBytes(usage.quota_bytes)}
            </p>
          )}
        </div>
        <fieldset class="segmented">
          <legend class="visually-hidden">Show</legend>
          {FILTERS.map((f) => (
            <span key={f.id} class="segmented-option">
              <input
                id={`media-filter-${f.id}`}
                type="radio"
                name="media-filter"
                value={f.id}
                checked={filter === f.id}
                onChange={() => setFilter(f.id)}
              />
              <label for={`media-filter-${f.id}`}>{f.label}</label>
            </span>
          ))}
        </fieldset>
        {rowError && (
          <p class="form-error" role="alert">
            {rowError}
          </p>
        )}
        {loading && !library ? (
          <Loading label="Loading media…" />
        ) : error ? (
          <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />
        ) : loading ? (
          <Loading label="Loading media…" />
        ) : items.length === 0 ? (
          filter === 'all' ? (
            <EmptyState title="No media yet" icon={<Icon name="media" />}>
              <p>Images and videos uploaded to {workspace.name} appear here, ready to reuse in posts.</p>
              <p>{mayUpload ? 'Upload some above.' : 'Contributors and up can upload them.'}</p>
            </EmptyState>
          ) : (
            <EmptyState title={`No ${filterLabel} yet`} icon={<Icon name="media" />}>
              <p>
                <button type="button" class="link-button" onClick={() => setFilter('all')}>
                  Show all media
                </button>
              </p>
            </EmptyState>
          )
        ) : (
          <>
            <ul class="media-grid" aria-labelledby="library-heading">
              {items.map((item) => (
                <MediaCard
                  key={item.id}
                  item={item}
                  workspace={workspace}
                  mayEdit={mayUpload}
                  mayDelete={mayDelete}
                  onSaved={(saved) => {
                    setLibrary((lib) =>
                      lib ? { ...lib, items: lib.items.map((i) => (i.id === saved.id ? { ...i, ...saved } : i)) } : lib,
                    );
                    setStatus(`${saved.name} saved.`);
                  }}
                  onDelete={async () => {
                    setRowError(null);
                    try {
                      await del(`${base}/${seg(item.id)}`);
                      setLibrary((lib) =>
                        lib
                          ? {
                              ...lib,
                              items: lib.items.filter((i) => i.id !== item.id),
                              usage: { ...lib.usage, bytes: Math.max(0, lib.usage.bytes - item.size) },
                            }
                          : lib,
                      );
                      setStatus(`${item.name} was deleted.`);
                    } catch (err) {
                      setRowError(`Could not delete ${item.name}: ${messageOf(err)}`);
                    }
                  }}
                />
              ))}
            </ul>
            {library?.next ? (
              <div class="list-footer">
                {moreError && (
                  <p class="form-error" role="alert">
                    {moreError}
                  </p>
                )}
                <button
                  type="button"
                  class="button button-secondary"
                  disabled={moreBusy}
                  onClick={() => void loadMore()}
                >
                  {moreBusy ? 'Loading…' : 'Load more'}
                </button>
              </div>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}

export function Media() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page
      title="Media"
      heading="Media"
      intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}
    >
      <WithWorkspace>
        {workspace && (
          <div key={workspace.id}>
            <MediaBody workspace={workspace} />
          </div>
        )}
      </WithWorkspace>
    </Page>
  );
}
