/**
 * Mount point for the PWA helper's controls (web/pwa/PwaControls.tsx: "Install" and "Reload to
 * update"). A glob import, so the page builds with or without that folder. The controls (and the
 * Service Worker's registration they start) load after first paint; the install offer is listened
 * for at once, as Chromium may make it before then.
 */
import type { ComponentType } from 'preact';
import { afterFirstPaint } from './afterPaint';
import { lazy } from './lazy';

type PwaModule = { PwaControls?: ComponentType; default?: ComponentType };
type InstallModule = { listenForInstallOffer?: () => void };
const installs = import.meta.glob<InstallModule>('../pwa/install.ts', { eager: true });
for (const m of Object.values(installs)) m.listenForInstallOffer?.();

const loaders = import.meta.glob<PwaModule>('../pwa/PwaControls.tsx');
const load = Object.values(loaders)[0];
const PwaControls = load
  ? lazy(() =>
      afterFirstPaint()
        .then(load)
        .then((m) => (m.PwaControls ?? m.default)!),
    )
  : null;

/** The PWA controls, when that module exists. */
export function PwaSlot() {
  return PwaControls ? <PwaControls /> : null;
}
