/**
 * Web Push: what the server sends to a device's Service Worker (encrypted by the push library,
 * aes128gcm), and the timings both sides share. The Service Worker reads it as JSON from
 * `event.data`.
 */

/** New messages in one conversation (the newest one; coalesced per PUSH_COALESCE_MS). */
export interface PushMessageNotice {
  kind: 'message';
  conversationId: string;
  /** The conversation's name as this user sees it (a direct conversation: the other person). */
  conversationName: string;
  senderName: string;
  /** The newest message's text; absent when this device turned "Show message text" off. */
  text?: string;
  /** The newest message's seq: "Mark as read" reads up to it. */
  seq: number;
  /** How many messages this push stands for (the burst since the last push; at least 1). */
  count: number;
  /** The user's unread messages over every conversation, for the app badge. */
  unreadTotal: number;
}

/** The user read a conversation up to `readSeq` on some device: close its notification. */
export interface PushReadNotice {
  kind: 'read';
  conversationId: string;
  readSeq: number;
  unreadTotal: number;
}

export type PushNotice = PushMessageNotice | PushReadNotice;

/** Messages of one conversation within this window reach a device as one push (the newest). */
export const PUSH_COALESCE_MS = 2_000;
/** Pushes one device may receive: a burst, then this many per minute (over every conversation). */
export const PUSH_DEVICE_BURST = 10;
export const PUSH_DEVICE_PER_MINUTE = 20;
/** Longest text preview in a push, in characters (push services cap payloads near 4 KB). */
export const PUSH_TEXT_PREVIEW_MAX = 240;
/** Notification action ids (the Service Worker shows them; tests click them by id). */
export const PushAction = { reply: 'reply', markRead: 'mark-read' } as const;
/** The notification tag of a conversation: a burst replaces one notification, never stacks. */
export const pushTag = (conversationId: string): string => `ferry-conversation:${conversationId}`;
