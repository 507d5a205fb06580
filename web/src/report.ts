/*
 * Uncaught errors in the browser are reported to the server log
 * (POST /api/v1/client-errors), a few per page load at most.
 */
import { getCsrfToken } from './api';

const MAX_REPORTS = 5;
let sent = 0;
const seen = new Set<string>();

interface Report {
  message: string;
  page: string;
  source?: string;
  line?: number;
  column?: number;
  stack?: string;
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

function send(report: Report): void {
  const key = `${report.message}|${report.source ?? ''}|${report.line ?? ''}`;
  if (sent >= MAX_REPORTS || seen.has(key)) return;
  seen.add(key);
  sent += 1;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = getCsrfToken();
  if (token) headers['X-CSRF-Token'] = token;
  fetch('/api/v1/client-errors', {
    method: 'POST',
    headers,
    credentials: 'same-origin',
    keepalive: true,
    body: JSON.stringify(report),
  }).catch(() => {
    /* reporting must never cause another report */
  });
}

function position(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

export function installErrorReporting(): void {
  window.addEventListener('error', (event: ErrorEvent) => {
    // Resource load errors (img, script) arrive here without a message; skip them.
    if (!event.message) return;
    const report: Report = {
      message: clip(event.message, 1000),
      page: location.pathname,
    };
    if (event.filename) report.source = clip(event.filename.split(/[?#]/)[0]!, 2000);
    const line = position(event.lineno);
    const column = position(event.colno);
    if (line !== undefined) report.line = line;
    if (column !== undefined) report.column = column;
    if (event.error instanceof Error && event.error.stack) report.stack = clip(event.error.stack, 16000);
    send(report);
  });
  window.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
    const reason: unknown = event.reason;
    let message = 'Unhandled promise rejection';
    if (reason instanceof Error) message = `${reason.name}: ${reason.message}`;
    else if (typeof reason === 'string' && reason) message = reason;
    const report: Report = { message: clip(message, 1000), page: location.pathname };
    if (reason instanceof Error && reason.stack) report.stack = clip(reason.stack, 16000);
    send(report);
  });
}
