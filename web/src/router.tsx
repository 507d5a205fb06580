/*
 * A tiny client-side router on the History API. The server answers every
 * client route with index.html, so deep links and reloads work.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Listener = () => void;

const listeners = new Set<Listener>();

/** True once the user has navigated inside the app (not on first load). */
let navigatedInApp = false;

/** How many navigations there have been (links, back and forward), to tell a new visit of the same path. */
let navigations = 0;

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => {
  navigatedInApp = true;
  navigations++;
  notify();
});

/** Path without a trailing slash (except the root itself). */
export function normalisePath(path: string): string {
  if (path.length > 1 && path.endsWith('/')) return path.replace(/\/+$/, '') || '/';
  return path;
}

export function currentPath(): string {
  return normalisePath(window.location.pathname);
}

/** Go to a same-origin URL without reloading the page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  const here = window.location.pathname + window.location.search + window.location.hash;
  if (target !== here) {
    if (options.replace) window.history.replaceState(null, '', target);
    else window.history.pushState(null, '', target);
  }
  navigatedInApp = true;
  navigations++;
  if (url.hash === '') window.scrollTo(0, 0);
  notify();
}

/** Whether the current view was reached by an in-app navigation. */
export function wasNavigatedInApp(): boolean {
  return navigatedInApp;
}

/** The current path; re-renders the caller when it changes. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

/** The navigation count; re-renders the caller on every navigation, even to the same path. */
export function useNavigationCount(): number {
  const [count, setCount] = useState(navigations);
  useEffect(() => {
    const update = () => setCount(navigations);
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, []);
  return count;
}

type LinkProps = Omit<JSX.AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
  href: string;
  children?: ComponentChildren;
};

/** An ordinary <a> whose plain left clicks are handled by the router. */
export function Link({ href, onClick, ...rest }: LinkProps) {
  const handleClick = (event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (onClick) onClick(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (rest.target && rest.target !== '_self') ||
      rest.download !== undefined
    ) {
      return;
    }
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  return <a href={href} onClick={handleClick} {...rest} />;
}
