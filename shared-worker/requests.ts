/**
 * The hub's answers to tab requests (HubMethods). Conversation actions go through the socket and
 * store the result in IndexedDB before answering, so the tab finds it when it re-reads.
 */
import { ClientEvent, PAGE_SIZE_DEFAULT, type Ack, type ConversationSummary } from '../contract/index';
import {
  type GetFerryDb,
  removeConversation,
  saveConversations,
  saveMembers,
  putMessages,
} from '../localdb/index';
import { OFFLINE_ANSWER, OfflineError } from '../net/index';
import type { Connection } from './connection';
import type { HubEvents, HubMethod, HubMethods } from './protocol';
import type { LocalMirror } from './localMirror';

export type Handler<M extends HubMethod> = (
  params: HubMethods[M]['params'],
) => Promise<Ack<HubMethods[M]['result']>>;
export type Handlers = { [M in HubMethod]: Handler<M> };

export interface RequestDeps {
  getDb: GetFerryDb;
  connection: Connection;
  mirror: LocalMirror;
  meId(): string | undefined;
  notify(change: HubEvents['changed']): void;
}

/** Handlers of the methods that talk to the server (the rest are the hub's own, in hub.ts). */
export function serverRequests(
  deps: RequestDeps,
): Pick<Handlers, 'createRoom' | 'joinRoom' | 'startDirect' | 'leave' | 'members' | 'loadOlder'> {
  const { getDb, connection, mirror, notify } = deps;

  /** Stores a conversation the server returned, then catches it up in the background. */
  const keep = async (
    ack: Ack<{ conversation: ConversationSummary }>,
  ): Promise<Ack<{ conversation: ConversationSummary }>> => {
    if (!ack.ok) return ack;
    await saveConversations(await getDb(), [ack.conversation]);
    notify({ stores: ['conversations', 'members'], conversationIds: [ack.conversation.id] });
    void mirror.catchUp(ack.conversation.id);
    return ack;
  };

  return {
    createRoom: offlineAware(async ({ name }) =>
      keep(await connection.call(ClientEvent.createRoom, { name })),
    ),
    joinRoom: offlineAware(async ({ inviteCode }) =>
      keep(await connection.call(ClientEvent.joinRoom, { inviteCode })),
    ),
    startDirect: offlineAware(async ({ username }) =>
      keep(await connection.call(ClientEvent.startDirect, { username })),
    ),
    leave: offlineAware(async ({ conversationId }) => {
      const ack = await connection.call(ClientEvent.leave, { conversationId });
      if (ack.ok) {
        await removeConversation(await getDb(), conversationId);
        notify({ stores: ['conversations', 'members', 'messages'], conversationIds: [conversationId] });
      }
      return ack;
    }),
    members: offlineAware(async ({ conversationId }) => {
      const ack = await connection.call(ClientEvent.members, { conversationId });
      if (ack.ok) {
        await saveMembers(await getDb(), conversationId, ack.members);
        notify({ stores: ['members'], conversationIds: [conversationId] });
      }
      return ack;
    }),
    loadOlder: offlineAware(async ({ conversationId, beforeSeq }) => {
      const ack = await connection.call(ClientEvent.messagesBefore, {
        conversationId,
        beforeSeq,
        limit: PAGE_SIZE_DEFAULT,
      });
      if (ack.ok) {
        await putMessages(await getDb(), ack.messages, { meId: deps.meId() });
        notify({ stores: ['messages'], conversationIds: [conversationId] });
      }
      return ack;
    }),
  };
}

/** Turns "not connected" into the clear UNAVAILABLE answer instead of an exception. */
export function offlineAware<P, R extends object>(
  fn: (params: P) => Promise<Ack<R>>,
): (params: P) => Promise<Ack<R>> {
  return async (params) => {
    try {
      return await fn(params);
    } catch (err) {
      if (err instanceof OfflineError) return { ok: false, error: OFFLINE_ANSWER };
      throw err;
    }
  };
}
