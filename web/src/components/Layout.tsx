import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Link, wasNavigatedInApp } from '../router';

export const PRODUCT_NAME = 'Post2Share';

type PageProps = {
  /** Used for the document title; the home page passes null for just the product name. */
  title: string | null;
  /** The page's h1 text. */
  heading: string;
  headingClass?: string;
  headingId?: string;
  children?: ComponentChildren;
};

/**
 * One page: sets the document title and renders the h1. After an in-app
 * navigation the h1 takes focus, so screen readers announce the new page.
 */
export function Page({ title, heading, headingClass, headingId, children }: PageProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = title ? `${title} · ${PRODUCT_NAME}` : PRODUCT_NAME;
    if (wasNavigatedInApp()) headingRef.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <>
      <h1 ref={headingRef} id={headingId} tabIndex={-1} class={headingClass}>
        {heading}
      </h1>
      {children}
    </>
  );
}

export function Layout({ children }: { children?: ComponentChildren }) {
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
                <Link class="button button-secondary button-small" href="/signin">
                  Sign in
                </Link>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" class="site-main" tabIndex={-1}>
        <div class="container">{children}</div>
      </main>
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
    </>
  );
}
