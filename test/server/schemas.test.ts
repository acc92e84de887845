/**
 * The contract's schemas refuse U+0000 in every string a client sends: PostgreSQL text cannot
 * hold it while SQLite can, so one store would keep what the other refuses. The rule lives in the
 * one string helper every schema is built from; these cases show it reaches each kind of field.
 *
 * The socket send's fast path (parsePlainMessage) must give sendMessageSchema's verdict: for a
 * plain text message within the length limit it accepts exactly what the schema accepts, with
 * the same output; anything else (a refusal, whose wording stays the schema's, a reply, an
 * attachment, another kind, text near the limit) it leaves to the schema.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MESSAGE_TEXT_MAX } from '../../contract/limits.js';
import {
  createRoomSchema,
  credentialsSchema,
  joinRoomSchema,
  parsePlainMessage,
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

const id = randomUUID();
const plain = { id, conversationId, text: 'hello', typedAt: 1_700_000_000_000 };
/** The keys of a plain text message, written out here so the fast path's own list is checked. */
const PLAIN_KEYS = ['id', 'kind', 'conversationId', 'text', 'typedAt'];

const texts = [
  'hello',
  ' padded ',
  'emoji 👍🏽',
  '',
  '   ',
  '\n\t',
  'a\u0000b',
  'lone \uD800 high',
  'lone \uDC00 low',
  'x'.repeat(MESSAGE_TEXT_MAX),
  'x'.repeat(MESSAGE_TEXT_MAX + 1),
  '👍'.repeat(MESSAGE_TEXT_MAX / 2 + 1),
];
const ids: unknown[] = [
  id.toUpperCase(),
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '12345678-1234-0234-8234-123456789012',
  `${id} `,
  '',
  42,
  null,
];
const typedAts: unknown[] = [
  0,
  1,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  NaN,
  '1',
  null,
];
const without = (key: string) => Object.fromEntries(Object.entries(plain).filter(([k]) => k !== key));

const payloads: unknown[] = [
  // Not an object.
  undefined,
  null,
  'text',
  42,
  [plain],
  // Valid.
  plain,
  { ...plain, kind: 'message' },
  // Each field missing, and each of the wrong type.
  ...Object.keys(plain).map(without),
  ...Object.keys(plain).flatMap((key) => [
    { ...plain, [key]: {} },
    { ...plain, [key]: [] },
    { ...plain, [key]: true },
  ]),
  // Other kinds, or a kind spelled wrong.
  { ...plain, kind: 'edit', targetId: randomUUID() },
  { ...plain, kind: 'delete', targetId: randomUUID() },
  { ...plain, kind: 'reaction', targetId: randomUUID(), emoji: '👍', on: true },
  { ...plain, kind: undefined },
  { ...plain, kind: 'Message' },
  // Extra keys: a message's optional ones (valid), another kind's, unknown ones.
  { ...plain, replyTo: randomUUID() },
  { ...plain, attachment: { id: randomUUID() } },
  { ...plain, targetId: randomUUID() },
  { ...plain, extra: 1 },
  { ...plain, extra: undefined },
  JSON.parse(`{"id":"${id}","conversationId":"${conversationId}","text":"a","typedAt":1,"__proto__":{}}`),
  // Limits of each field.
  ...texts.map((text) => ({ ...plain, text })),
  ...ids.flatMap((value) => [
    { ...plain, id: value },
    { ...plain, conversationId: value },
  ]),
  ...typedAts.map((typedAt) => ({ ...plain, typedAt })),
];

/** What the fast path should do with `payload`, given the schema's verdict. */
function expectedFast(payload: unknown, schemaAccepts: boolean): 'accept' | 'leave to the schema' {
  const record = payload as Record<string, unknown>;
  const plainShape =
    typeof payload === 'object' &&
    payload !== null &&
    !Array.isArray(payload) &&
    Object.keys(payload).every((key) => PLAIN_KEYS.includes(key));
  const withinLimit = typeof record?.text === 'string' && record.text.length <= MESSAGE_TEXT_MAX;
  return schemaAccepts && plainShape && withinLimit ? 'accept' : 'leave to the schema';
}

describe('the fast path for a plain message send', () => {
  it.each(payloads.map((p) => [JSON.stringify(p)?.slice(0, 80) ?? String(p), p]))(
    'gives sendMessageSchema’s verdict for %s',
    (_shown, payload) => {
      const fast = parsePlainMessage(payload);
      const schema = sendMessageSchema.safeParse(payload);
      expect(fast === null ? 'leave to the schema' : 'accept').toBe(expectedFast(payload, schema.success));
      if (fast !== null) expect(fast).toStrictEqual(schema.data);
    },
  );

  it('lower-cases ids like the schema', () => {
    const upper = { ...plain, id: id.toUpperCase(), conversationId: conversationId.toUpperCase() };
    expect(parsePlainMessage(upper)).toStrictEqual(sendMessageSchema.parse(upper));
    expect(parsePlainMessage(upper)?.id).toBe(id);
  });
});
