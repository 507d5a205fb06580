/* Small building blocks shared by the screens: fields, errors, buttons, states. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { usePath } from '../router';

/** Problems with several fields, found before anything is sent. */
export class FieldErrors extends Error {
  override readonly name = 'FieldErrors';
  constructor(readonly fields: Readonly<Record<string, string>>) {
    super(Object.values(fields)[0] ?? 'Please check the form.');
  }
}

/** An error for one field, found before anything is sent. */
export function invalid(field: string, message: string): FieldErrors {
  return new FieldErrors({ [field]: message });
}

/** Throws the messages of every rule whose test failed (in form order). */
export function check(rules: readonly [field: string, ok: boolean, message: string][]): void {
  const fields: Record<string, string> = {};
  for (const [field, ok, message] of rules) if (!ok && !(field in fields)) fields[field] = message;
  if (Object.keys(fields).length > 0) throw new FieldErrors(fields);
}

/** The message for one field, if the error names it. */
export function fieldError(error: unknown, field: string): string | null {
  if (error instanceof FieldErrors) return error.fields[field] ?? null;
  return error instanceof ApiError && error.field === field ? error.message : null;
}

/** The fields an error names. */
function errorFields(error: unknown): string[] {
  if (error instanceof FieldErrors) return Object.keys(error.fields);
  if (error instanceof ApiError && error.field) return [error.field];
  return [];
}

/**
 * Run a form's action: busy while it runs, the error kept for display, and
 * focus moved to the field at fault (or the message) when it fails.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const run = async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      const form = formRef.current;
      if (form) {
        const fields = errorFields(err);
        // Focus after the error renders: the first field at fault, else the message.
        window.setTimeout(() => {
          const target =
            fields
              .map((f) => form.querySelector<HTMLElement>(`[name="${CSS.escape(f)}"]`))
              .find((el) => el !== null) ?? form.querySelector<HTMLElement>('.form-error');
          target?.focus();
        }, 0);
      }
      return false;
    } finally {
      setBusy(false);
    }
  };

  /** onSubmit handler for a form. */
  const submit = (action: () => Promise<void>) => (event: Event) => {
    event.preventDefault();
    if (!busy) void run(action);
  };

  return { busy, error, setError, run, submit, formRef };
}

/** The error for the whole form: anything not tied to one of `fields`. */
export function FormError({ error, fields = [] }: { error: unknown; fields?: readonly string[] }) {
  if (!error) return null;
  const named = errorFields(error).filter((f) => fields.includes(f));
  if (named.length > 0 && named.length === errorFields(error).length) {
    return (
      <p class="form-error" role="alert" tabIndex={-1}>
        {named.length === 1 ? 'Please correct the marked field.' : `Please correct the ${named.length} marked fields.`}
      </p>
    );
  }
  const message = error instanceof Error && error.message ? error.message : 'Something went wrong.';
  return (
    <p class="form-error" role="alert" tabIndex={-1}>
      {message}
    </p>
  );
}

/** A message about the whole page or section that failed to load. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error && error.message ? error.message : 'Something went wrong.';
  return (
    <div class="error-box" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="button button-secondary button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'name' | 'label'>;

type FieldProps = {
  id: string;
  name: string;
  label: string;
  hint?: string;
  error?: unknown;
};

function describedBy(id: string, hint: boolean, err: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

function FieldMessages({ id, hint, message }: { id: string; hint?: string; message: string | null }) {
  return (
    <>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </>
  );
}

export function TextField({ id, name, label, hint, error, ...input }: FieldProps & InputProps) {
  const message = fieldError(error, name);
  return (
    <div class={message ? 'field field-invalid' : 'field'}>
      <label for={id}>
        {label}
        {!input.required && <span class="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        name={name}
        type="text"
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={describedBy(id, !!hint, !!message)}
        {...input}
      />
      <FieldMessages id={id} hint={hint} message={message} />
    </div>
  );
}

type SelectProps = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'name' | 'label'>;

export function SelectField({
  id,
  name,
  label,
  hint,
  error,
  children,
  ...select
}: FieldProps & SelectProps & { children: ComponentChildren }) {
  const message = fieldError(error, name);
  return (
    <div class={message ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={name}
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={describedBy(id, !!hint, !!message)}
        {...select}
      >
        {children}
      </select>
      <FieldMessages id={id} hint={hint} message={message} />
    </div>
  );
}

export function CheckboxField({
  id,
  name,
  label,
  hint,
  error,
  ...input
}: Omit<FieldProps, 'label'> & { label: ComponentChildren } & InputProps) {
  const message = fieldError(error, name);
  return (
    <div class={message ? 'field field-check field-invalid' : 'field field-check'}>
      <input
        id={id}
        name={name}
        type="checkbox"
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={describedBy(id, !!hint, !!message)}
        {...input}
      />
      <label for={id}>{label}</label>
      <FieldMessages id={id} hint={hint} message={message} />
    </div>
  );
}

/** Time zone picker over every zone the browser knows. */
export function TimeZoneField(props: FieldProps & SelectProps & { value: string; zones: string[] }) {
  const { zones, ...rest } = props;
  return (
    <SelectField {...rest}>
      {zones.map((zone) => (
        <option key={zone} value={zone}>
          {zone.replace(/_/g, ' ')}
        </option>
      ))}
    </SelectField>
  );
}

export function SubmitButton({
  busy,
  children,
  busyText,
  class: className = 'button button-primary',
}: {
  busy: boolean;
  children: ComponentChildren;
  busyText?: string;
  class?: string;
}) {
  return (
    <button type="submit" class={className} disabled={busy} aria-disabled={busy ? 'true' : undefined}>
      {busy ? (busyText ?? 'Working…') : children}
    </button>
  );
}

/**
 * A destructive action in two steps: the first click asks, the second does it.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  disabled,
  accessibleName,
  detail,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
  /** Screen-reader name of the first button, when label alone is ambiguous in a list. */
  accessibleName?: string;
  /** What the action does, shown with the question. */
  detail?: string;
}) {
  const detailId = useId();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) startRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button
        ref={startRef}
        type="button"
        class="button button-danger-quiet button-small"
        aria-label={accessibleName}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span class={detail ? 'confirm confirm-detailed' : 'confirm'} role="group" aria-label={question}>
      <span class="confirm-question">{question}</span>
      {detail && (
        <span class="confirm-detail" id={detailId}>
          {detail}
        </span>
      )}
      <button
        ref={confirmRef}
        type="button"
        class="button button-danger button-small"
        aria-describedby={detail ? detailId : undefined}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
        onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}
      >
        {busy ? 'Working…' : confirmLabel}
      </button>
      <button
        type="button"
        class="button button-secondary button-small"
        disabled={busy}
        onClick={() => setAsking(false)}
        onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}
      >
        Cancel
      </button>
    </span>
  );
}

async function copyText(text: string, fallback: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through to the selection copy */
  }
  if (!fallback) return false;
  fallback.focus();
  fallback.select();
  try {
    // Deprecated but the only way on plain-http instances.
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** A secret or a link shown once: read-only, selectable, with a copy button. */
export function CopyField({ id, label, value, warning }: { id: string; label: string; value: string; warning: string }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');
  return (
    <div class="copy-box">
      <p class="copy-warning" id={`${id}-warning`}>
        <strong>Copy it now.</strong> {warning}
      </p>
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          ref={inputRef}
          id={id}
          class="mono"
          type="text"
          readOnly
          value={value}
          aria-describedby={`${id}-warning`}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          class="button button-primary button-small"
          onClick={async () => {
            const ok = await copyText(value, inputRef.current);
            setStatus(ok ? 'Copied to the clipboard.' : 'Could not copy: select the text and copy it yourself.');
          }}
        >
          Copy
        </button>
      </div>
      <p class="copy-status" role="status">
        {status}
      </p>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function EmptyState({
  title,
  children,
  icon,
}: {
  title: string;
  children?: ComponentChildren;
  icon?: ComponentChildren;
}) {
  return (
    <div class="empty-state">
      {icon && (
        <div class="empty-icon" aria-hidden="true">
          {icon}
        </div>
      )}
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** Load data for a view; reload() runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, setData, error, loading, reload: () => setTick((n) => n + 1) };
}

/**
 * A menu or panel that opens from a button: closed again on a click outside wrapRef, on Escape
 * (focus goes back to buttonRef) and when the page changes.
 */
export function usePopover() {
  const [open, setOpen] = useState(false);
  const wrapRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const path = usePath();

  useEffect(() => setOpen(false), [path]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: Event) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return { open, setOpen, wrapRef, buttonRef };
}
