/**
 * The page's data layer: the only module the UI imports for data, but for what only the lazy views
 * use (actions, search, typing, message status, the open conversation's hooks): those import it
 * from its own module, so it comes with them, not with the first load (which holds this index). It
 * renders from IndexedDB (hooks re-read on the hub's `changed` events) and acts through the outbox,
 * the hub and HTTP.
 */
export {
  useHubStatus,
  useMe,
  useConversations,
  useConversationsRead,
  primeConversation,
  storedName,
} from './hooks';
export { askPersistentStorage } from './storage';
export type { StorageInfo } from './storageUsage';
export { attachmentMaxBytes, attachmentMaxMb, refreshServerLimits } from './limits';
export type { MessagesView } from './conversationHooks';
export { sessionActions } from './session';
import './testHook';
export type { HubStatus, ConnectionState } from '../../shared-worker/protocol';
export type { LocalConversation, LocalMember, OutboxEntry } from '../../localdb/index';
import type { Message } from '../../contract/index';
import { hubClient } from './hubClient';

/** Calls `cb` for each message from someone else that arrives live (for notifications). */
export function onArrived(cb: (m: Message) => void): () => void {
  return hubClient().on('live', ({ message, arrival }) => {
    if (arrival) cb(message);
  });
}
