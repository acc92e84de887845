/**
 * Mount point for the PWA helper's controls (web/pwa/PwaControls.tsx: "Install" and "Reload to
 * update"). A glob import, so the page builds with or without that folder.
 */
import type { ComponentType } from 'preact';

type PwaModule = { PwaControls?: ComponentType; default?: ComponentType };
const modules = import.meta.glob<PwaModule>('../pwa/PwaControls.tsx', { eager: true });
const PwaControls = Object.values(modules).map((m) => m.PwaControls ?? m.default)[0];

/** The PWA controls, when that module exists. */
export function PwaSlot() {
  return PwaControls ? <PwaControls /> : null;
}
