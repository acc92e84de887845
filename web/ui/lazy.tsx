/**
 * Components whose code is fetched when they first render, not with the page: dialogs and panels
 * that first paint never shows (the Service Worker precaches their chunks, so they open offline).
 */
import type { ComponentType } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { groupsReady } from '../i18n/index';

/** A lazy component, and how to fetch its code before it first renders. */
export type LazyComponent<P extends object> = ComponentType<P> & {
  /** Starts fetching the code now (once): the component then renders at once when it mounts. */
  preload(): void;
};

/**
 * A component that renders `Fallback` (default nothing) until `load` has given the real one and
 * the strings its code reads are here in the language shown (i18n/later.ts), then renders that.
 */
export function lazy<P extends object>(
  load: () => Promise<ComponentType<P>>,
  Fallback: ComponentType<object> | null = null,
): LazyComponent<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const start = (): Promise<ComponentType<P>> =>
    (loading ??= load().then(
      // The module has added its strings group by now (importing i18n/later.ts): Chinese's is
      // fetched before the first render, so that render is never in English.
      (c) => groupsReady().then(() => (loaded = c)),
      (err: unknown) => {
        // The next render tries again (e.g. the chunk could not be fetched this time).
        loading = null;
        throw err;
      },
    ));
  function Lazy(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    // A layout effect: it waits for the code from the render that mounts it, not from after the
    // next frame (an effect's time), so code fetched ahead (preload) shows the moment it is there.
    useLayoutEffect(() => {
      if (Component) return;
      let live = true;
      start().then(
        (c) => live && setComponent(() => c),
        (err: unknown) => console.warn('ferry: could not load a part of the app', err),
      );
      return () => {
        live = false;
      };
    }, [Component]);
    if (Component) return <Component {...props} />;
    return Fallback ? <Fallback /> : null;
  }
  return Object.assign(Lazy, {
    preload: () => void start().catch(() => {}),
  });
}
