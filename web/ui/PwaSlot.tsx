/**
 * Mount point for the PWA helper's controls (web/pwa/PwaControls.tsx: "Install" and "Reload to
 * update"). A glob import, so the page builds with or without that folder. The controls (and the
 * Service Worker's registration they start) load after the first content (firstContent.ts); the install offer is listened
 * for at once, as Chromium may make it before then.
 */
import type { ComponentType } from 'preact';
import { afterFirstContent } from './firstContent';
import { lazy } from './lazy';

type PwaModule = { PwaControls?: ComponentType; default?: ComponentType };
type InstallModule = { listenForInstallOffer?: () => void };
const installs = import.meta.glob<InstallModule>('../pwa/install.ts', { eager: true });
for (const m of Object.values(installs)) m.listenForInstallOffer?.();
// Which build this page runs, on <html data-ferry-build>, from the start (not once the controls load).
type BuildModule = { BUILD_ID?: string };
const builds = import.meta.glob<BuildModule>('../pwa/buildId.ts', { eager: true });
for (const m of Object.values(builds))
  if (m.BUILD_ID) document.documentElement.dataset.ferryBuild = m.BUILD_ID;

const loaders = import.meta.glob<PwaModule>('../pwa/PwaControls.tsx');
const load = Object.values(loaders)[0];
const PwaControls = load
  ? lazy(() =>
      afterFirstContent()
        .then(load)
        .then((m) => (m.PwaControls ?? m.default)!),
    )
  : null;

/** The PWA controls, when that module exists. */
export function PwaSlot() {
  return PwaControls ? <PwaControls /> : null;
}
