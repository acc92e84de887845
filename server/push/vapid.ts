/**
 * VAPID keys: the server's identity towards push services. A subscription is bound to the public
 * key it was made with, so the pair must outlive restarts: from the environment, or made once at
 * first start and kept in DATA_DIR/vapid.json (mode 0600). Several nodes must share one pair:
 * give it by environment (or share DATA_DIR).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import type { Config } from '../config.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export const VAPID_FILE = 'vapid.json';

/** The configured pair, or the one in DATA_DIR, made there on first use. */
export function loadVapidKeys(config: Config): VapidKeys {
  const subject = config.vapidSubject;
  if (config.vapidPublicKey && config.vapidPrivateKey) {
    return { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject };
  }
  const file = join(config.dataDir, VAPID_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    const made = webpush.generateVAPIDKeys();
    // 'wx': two nodes starting on one DATA_DIR at once keep whichever wrote first.
    writeFileSync(file, `${JSON.stringify(made)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
  if (typeof stored.publicKey !== 'string' || typeof stored.privateKey !== 'string') {
    throw new Error(
      `${file} does not hold a VAPID key pair: delete it to make a new one (devices then subscribe again).`,
    );
  }
  return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject };
}
