import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, currentPath, usePath, wasNavigatedInApp } from '../router';

export const PRODUCT_NAME = 'Post2Share';

let flash: { text: string; path: string } | null = null;

/** A one-time message for the page at `path` (say, "You joined the workspace"). */
export function setFlash(text: string, path: string): void {
  flash = { text, path };
}

function takeFlash(path: string): string | null {
  if (!flash || flash.path !== path) return null;
  const text = flash.text;
  flash = null;
  return text;
}

type PageProps = {
  /** Used for the document title; the home page passes null for just the product name. */
  title: string | null;
  /** The page's h1 text. */
  heading: string;
  headingClass?: string;
  headingId?: string;
  /** A short line under the heading. */
  intro?: ComponentChildren;
  children?: ComponentChildren;
};

/**
 * One page: sets the document title and renders the h1. After an in-app
 * navigation the h1 takes focus, so screen readers announce the new page.
 */
export function Page({ title, heading, headingClass, headingId, intro, children }: PageProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [notice] = useState(() => takeFlash(currentPath()));
  useEffect(() => {
    document.title = title ? `${title} · ${PRODUCT_NAME}` : PRODUCT_NAME;
  }, [title]);
  // Focus on arrival only: a title that changes later (a new post once saved) keeps the user's place.
  useEffect(() => {
    if (wasNavigatedInApp()) headingRef.current?.focus({ preventScroll: true });
  }, []);
  return (
    <>
      <h1 ref={headingRef} id={headingId} tabIndex={-1} class={headingClass}>
        {heading}
      </h1>
      {intro && <p class="page-intro">{intro}</p>}
      {notice && (
        <p class="notice notice-success" role="status">
          {notice}
        </p>
      )}
      {children}
    </>
  );
}

export function Footer() {
  return (
    <footer class="site-footer">
      <div class="container">
        <p>{PRODUCT_NAME}: self-hosted social media management.</p>
        <nav aria-label="Legal">
          <ul>
            <li>
              <Link href="/privacy">Privacy policy</Link>
            </li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}

/** The frame of the signed-out pages. */
export function Layout({ children }: { children?: ComponentChildren }) {
  const path = usePath();
  const onSignIn = path === '/signin';
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="container">
          <Link class="brand" href="/" aria-label={`${PRODUCT_NAME} home`}>
            <span class="brand-mark" aria-hidden="true">
              P
            </span>
            <span>{PRODUCT_NAME}</span>
          </Link>
          <nav class="site-nav" aria-label="Account">
            <ul>
              <li>
                {onSignIn ? (
                  <Link class="button button-secondary button-small" href="/signup">
                    Create an account
                  </Link>
                ) : (
                  <Link
                    class="button button-secondary button-small"
                    href={path.startsWith('/invite/') ? `/signin?next=${encodeURIComponent(path)}` : '/signin'}
                  >
                    Sign in
                  </Link>
                )}
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" class="site-main" tabIndex={-1}>
        <div class="container">{children}</div>
      </main>
      <Footer />
    </>
  );
}
