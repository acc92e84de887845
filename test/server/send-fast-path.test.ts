/**
 * The socket send's fast path (parsePlainMessage) must agree with sendMessageSchema: whatever it
 * accepts, the schema accepts with the same output, and whatever the schema refuses, it leaves to
 * the schema (returns null), so the refusal and its wording stay the schema's.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX } from '../../contract/limits.js';
import { parsePlainMessage, sendMessageSchema } from '../../contract/schemas.js';

const id = randomUUID();
const conversationId = randomUUID();
const plain = { id, conversationId, text: 'hello', typedAt: 1_700_000_000_000 };

const texts = [
  'hello',
  ' padded ',
  '',
  '   ',
  '\n\t',
  'a\u0000b',
  'emoji 👍🏽',
  'lone \uD800 high',
  'lone \uDC00 low',
  'x'.repeat(MESSAGE_TEXT_MAX),
  'x'.repeat(MESSAGE_TEXT_MAX + 1),
  '👍'.repeat(MESSAGE_TEXT_MAX / 2 + 1),
];
const ids = [
  id,
  id.toUpperCase(),
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '12345678-1234-0234-8234-123456789012',
  `${id} `,
  '',
  42,
];
const typedAts = [0, 1, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, '1', null];

const payloads: unknown[] = [
  undefined,
  null,
  'text',
  [plain],
  plain,
  { ...plain, kind: 'message' },
  { ...plain, kind: 'edit', targetId: id },
  { ...plain, kind: undefined },
  { ...plain, kind: 'Message' },
  { ...plain, replyTo: randomUUID() },
  { ...plain, attachment: { id: randomUUID() } },
  { ...plain, extra: 1 },
  { id, conversationId, text: 'no time' },
  { id, text: 'no conversation', typedAt: 1 },
  ...texts.map((text) => ({ ...plain, text })),
  ...ids.flatMap((value) => [
    { ...plain, id: value },
    { ...plain, conversationId: value },
  ]),
  ...typedAts.map((typedAt) => ({ ...plain, typedAt })),
];

describe('the fast path for a plain message send', () => {
  it.each(payloads.map((p) => [JSON.stringify(p)?.slice(0, 80) ?? String(p), p]))(
    'agrees with sendMessageSchema for %s',
    (_shown, payload) => {
      const fast = parsePlainMessage(payload);
      const schema = sendMessageSchema.safeParse(payload);
      if (fast !== null) {
        expect(schema.success).toBe(true);
        expect(fast).toStrictEqual(schema.data);
      }
      // Otherwise the schema decides: a refusal keeps its wording, an odd valid one is parsed.
    },
  );

  it('takes the usual messages itself, lower-casing ids like the schema', () => {
    const upper = { ...plain, id: id.toUpperCase(), conversationId: conversationId.toUpperCase() };
    const usual = [plain, upper, { ...plain, kind: 'message' }, { ...plain, text: ' 👍🏽 ' }];
    for (const payload of usual) {
      expect(parsePlainMessage(payload)).not.toBeNull();
      expect(parsePlainMessage(payload)).toStrictEqual(sendMessageSchema.parse(payload));
    }
    expect(parsePlainMessage(upper)?.id).toBe(id);
  });
});
