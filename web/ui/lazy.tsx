/**
 * Components whose code is fetched when they first render, not with the page: dialogs and panels
 * that first paint never shows (the Service Worker precaches their chunks, so they open offline).
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A component that renders nothing until `load` has given the real one, then renders that. */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    useEffect(() => {
      if (Component) return;
      let live = true;
      loading ??= load().then(
        (c) => (loaded = c),
        (err: unknown) => {
          // The next render tries again (e.g. the chunk could not be fetched this time).
          loading = null;
          throw err;
        },
      );
      loading.then(
        (c) => live && setComponent(() => c),
        (err: unknown) => console.warn('ferry: could not load a part of the app', err),
      );
      return () => {
        live = false;
      };
    }, [Component]);
    return Component ? <Component {...props} /> : null;
  };
}
