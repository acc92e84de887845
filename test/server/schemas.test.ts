/**
 * The contract's schemas refuse U+0000 in every string a client sends: PostgreSQL text cannot
 * hold it while SQLite can, so one store would keep what the other refuses. The rule lives in the
 * one string helper every schema is built from; these cases show it reaches each kind of field.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  createRoomSchema,
  credentialsSchema,
  joinRoomSchema,
  pushSubscribeSchema,
  searchMessagesSchema,
  sendMessageSchema,
  startDirectSchema,
} from '../../contract/schemas.js';

const NUL = '\u0000';
const conversationId = randomUUID();
const targetId = randomUUID();
const entry = { id: randomUUID(), conversationId, typedAt: 1 };
const key65 = Buffer.alloc(65, 4).toString('base64url');
const key16 = Buffer.alloc(16, 1).toString('base64url');
const subscription = (fields: Record<string, string>) => ({
  subscription: {
    endpoint: fields.endpoint ?? 'https://push.example/abc',
    keys: { p256dh: fields.p256dh ?? key65, auth: fields.auth ?? key16 },
  },
});

/** One valid payload per string field, made with the given text in that field. */
const fields: [string, z.ZodType, (text: string) => unknown][] = [
  ['room name', createRoomSchema, (t) => ({ name: `room ${t}` })],
  ['message text', sendMessageSchema, (t) => ({ ...entry, text: `hi ${t}` })],
  ['caption', sendMessageSchema, (t) => ({ ...entry, text: t, attachment: { id: randomUUID() } })],
  ['edit text', sendMessageSchema, (t) => ({ ...entry, kind: 'edit', targetId, text: `new ${t}` })],
  ['emoji', sendMessageSchema, (t) => ({ ...entry, kind: 'reaction', targetId, emoji: `👍${t}`, on: true })],
  ['invite code', joinRoomSchema, (t) => ({ inviteCode: `code${t}` })],
  ['username', startDirectSchema, (t) => ({ username: `someone${t}` })],
  ['password', credentialsSchema, (t) => ({ username: 'someone', password: `password ${t}` })],
  ['search query', searchMessagesSchema, (t) => ({ query: `word ${t}` })],
  ['push endpoint', pushSubscribeSchema, (t) => subscription({ endpoint: `https://push.example/a${t}` })],
  ['push key', pushSubscribeSchema, (t) => subscription({ p256dh: key65 + t })],
];

describe('U+0000 in client strings', () => {
  it.each(fields)('accepts a %s without it and refuses one with it, saying why', (_name, schema, make) => {
    expect(schema.safeParse(make('')).success).toBe(true);
    const refused = schema.safeParse(make(NUL));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((issue) => issue.message)).toContain(
      'must not contain the NUL character',
    );
  });
});
