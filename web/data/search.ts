/**
 * Search for the UI: the device's index through the hub (instant, offline), the server through
 * the hub's socket (everything the user can read, paged), and the two merged without duplicates.
 */
import type { Ack, Message, SearchCursor, SearchPage } from '../../contract/index';
import type { LocalMember } from '../../localdb/index';
import { getDb } from './db';
import { hubClient } from './hubClient';
import { touches, useLiveQuery } from './live';

const NO_MEMBERS: LocalMember[] = [];

/** Every cached member of every conversation (the "From" filter's choices). */
export function useAllMembers(): LocalMember[] {
  return useLiveQuery(
    'all-members',
    (db) => db.getAll('members'),
    NO_MEMBERS,
    (c) => touches(c, ['members']),
  );
}

export interface SearchFilters {
  conversationId?: string;
  senderId?: string;
}

export interface SearchHit {
  message: Message;
  /** Indexed words that matched (device results); empty for server results. */
  terms: string[];
}

/** This device's best matches, from the hub's index. */
export async function searchDevice(query: string, filters: SearchFilters): Promise<SearchHit[]> {
  const answer = await hubClient().request('search', { query, ...filters });
  return answer.ok ? answer.hits : [];
}

/** One page of the server's matches, newest first; an error when it cannot be reached. */
export function searchServer(
  query: string,
  filters: SearchFilters,
  after?: SearchCursor,
): Promise<Ack<SearchPage>> {
  return hubClient().request('searchServer', { query, ...filters, ...(after ? { after } : {}) });
}

/** Device hits and server messages as one list, newest first, each message once (by id). */
export function mergeHits(device: readonly SearchHit[], server: readonly Message[]): SearchHit[] {
  const byId = new Map<string, SearchHit>();
  for (const hit of device) byId.set(hit.message.id, hit);
  for (const message of server) if (!byId.has(message.id)) byId.set(message.id, { message, terms: [] });
  return [...byId.values()].sort(
    (a, b) => b.message.createdAt - a.message.createdAt || b.message.seq - a.message.seq,
  );
}

/** True when the message is stored on this device. */
export async function isStored(messageId: string): Promise<boolean> {
  return (await (await getDb()).getKey('messages', messageId)) !== undefined;
}

/** Loads the messages around `seq` from the server when they are not on this device. */
export async function loadAround(conversationId: string, seq: number): Promise<boolean> {
  const answer = await hubClient().request('loadAround', { conversationId, seq });
  return answer.ok;
}
