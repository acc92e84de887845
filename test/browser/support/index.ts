/** The shared browser-test harness: a real server, Debian Chromium, signed-in users. */
export * from './ferry';
export * from './browser';
export * from './users';
export * from '../../support/wait';
export * from './ui';
export * from './suite';
export * from './keyboard';
export * from './axe';
export * from './announcements';
export * from './focusRing';
export * from './holdStore';
