/**
 * Browser tests drive the data layer directly where no UI exists for an action yet: when an init
 * script set `window.__ferryExposeData = true` before the app loaded, the page puts its actions on
 * `window.__ferryData`. Nothing is exposed otherwise (a script that could set the flag could
 * already do anything the page can).
 */
import { actions } from './actions';

export interface ExposedData {
  actions: typeof actions;
}

declare global {
  interface Window {
    __ferryExposeData?: boolean;
    __ferryData?: ExposedData;
  }
}

if (typeof window !== 'undefined' && window.__ferryExposeData === true) window.__ferryData = { actions };
