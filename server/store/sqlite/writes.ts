/**
 * Every write the SQLite store makes, as plain data the writer thread applies. All writes share the
 * writer's group commit: one transaction, one fsync, for whatever arrived while the previous one
 * was being made durable.
 */
import { toAttachmentRecord, toAttachmentRow } from './messageRows.js';
import type {
  AppendInput,
  AttachmentRecord,
  AppendResult,
  ConversationRecord,
  MemberRecord,
  SessionRecord,
  UserRecord,
  UserRef,
} from '../Store.js';
import { directKey } from '../entries.js';
import { conversationMissingError } from '../errors.js';
import { applyPushWrite, type PushWriteOp } from './push.js';
import type { Statements } from './statements.js';

/** One write, as it is posted to the writer thread. */
export type WriteOp =
  | { kind: 'append'; input: AppendInput }
  | { kind: 'createUser'; user: UserRecord }
  | { kind: 'createSession'; session: SessionRecord }
  | { kind: 'deleteSession'; tokenHash: string }
  | {
      kind: 'createRoom';
      room: { id: string; name: string; inviteCode: string; createdAt: number };
      creator: UserRef;
    }
  | { kind: 'getOrCreateDirect'; input: { id: string; createdAt: number }; a: UserRef; b: UserRef }
  | { kind: 'addMember'; conversationId: string; user: UserRef; joinedAt: number }
  | { kind: 'removeMember'; conversationId: string; userId: string }
  | { kind: 'createAttachment'; record: AttachmentRecord }
  | { kind: 'deleteUnsentAttachments'; before: number }
  | {
      kind: 'updateReceipt';
      conversationId: string;
      userId: string;
      receipt: { deliveredSeq?: number; readSeq?: number };
    }
  | { kind: 'push'; op: PushWriteOp };

/** What each kind of write resolves to. */
export interface WriteResults {
  append: AppendResult;
  createUser: 'created' | 'taken';
  createSession: null;
  deleteSession: null;
  createRoom: ConversationRecord;
  getOrCreateDirect: { conversation: ConversationRecord; created: boolean };
  addMember: { member: MemberRecord; added: boolean };
  removeMember: boolean;
  createAttachment: 'created' | 'exists';
  deleteUnsentAttachments: AttachmentRecord[];
  updateReceipt: MemberRecord | null;
  push: unknown;
}

/**
 * Applies one write other than an append (appends go through appendBatch). Runs inside the
 * batch's transaction, in a savepoint of its own, so a write that fails leaves nothing behind.
 */
export function applyWrite(q: Statements, op: Exclude<WriteOp, { kind: 'append' }>): unknown {
  switch (op.kind) {
    case 'createUser': {
      const result = q.insertUser.run({ ...op.user, username: op.user.username.toLowerCase() });
      return result.changes === 1 ? 'created' : 'taken';
    }
    case 'createSession':
      q.insertSession.run(op.session);
      return null;
    case 'deleteSession':
      q.deleteSession.run(op.tokenHash);
      return null;
    case 'createRoom':
      q.insertRoom.run({ ...op.room, kind: 'room', directKey: null });
      q.insertMember.run(op.creator.userId, op.room.createdAt, op.room.id);
      return q.conversationById.get(op.room.id)!;
    case 'getOrCreateDirect': {
      const { input, a, b } = op;
      const key = directKey(a.userId, b.userId);
      const inserted = q.insertDirect.run({
        id: input.id,
        kind: 'direct',
        name: null,
        inviteCode: null,
        directKey: key,
        createdAt: input.createdAt,
      });
      const conversation = q.conversationByDirectKey.get(key)!;
      // Starting a direct conversation again brings back a person who had left it.
      q.insertMember.run(a.userId, input.createdAt, conversation.id);
      q.insertMember.run(b.userId, input.createdAt, conversation.id);
      return { conversation, created: inserted.changes === 1 };
    }
    case 'addMember': {
      const inserted = q.insertMember.run(op.user.userId, op.joinedAt, op.conversationId);
      const member = q.member.get(op.conversationId, op.user.userId);
      if (!member) throw conversationMissingError();
      return { member, added: inserted.changes === 1 };
    }
    case 'removeMember':
      return q.deleteMember.run(op.conversationId, op.userId).changes === 1;
    case 'createAttachment':
      return q.insertAttachment.run(toAttachmentRow(op.record)).changes === 1 ? 'created' : 'exists';
    case 'deleteUnsentAttachments': {
      const rows = q.unsentAttachmentsBefore.all(op.before);
      for (const row of rows) q.deleteAttachment.run(row.id);
      return rows.map(toAttachmentRecord);
    }
    case 'updateReceipt': {
      const { conversationId, userId, receipt } = op;
      if (!q.member.get(conversationId, userId)) return null;
      const lastSeq = q.lastSeq.get(conversationId) ?? 0;
      const clamp = (seq: number | undefined) => Math.min(Math.max(seq ?? 0, 0), lastSeq);
      const read = clamp(receipt.readSeq);
      // Read implies delivered.
      const delivered = Math.max(clamp(receipt.deliveredSeq), read);
      q.raiseReceipts.run(delivered, read, conversationId, userId);
      return q.member.get(conversationId, userId)!;
    }
    case 'push':
      return applyPushWrite(q, op.op);
  }
}
