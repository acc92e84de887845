/** Receipts: per member "delivered up to" and "read up to", monotonic, broadcast to the conversation. */
import type { Receipt, User } from '../../contract/events.js';
import type { ReceiptUpdateInput } from '../../contract/schemas.js';
import type { Relay } from '../realtime/relay.js';
import type { Store } from '../store/Store.js';
import type { DomainListener } from './index.js';
import type { Membership } from './membership.js';

export class Receipts {
  constructor(
    private readonly deps: {
      store: Store;
      relay: Relay;
      membership: Membership;
      listener?: Pick<DomainListener, 'readUpTo'>;
    },
  ) {}

  /** Raises the user's receipts (never lowers them) and tells the conversation. */
  async update(user: User, input: ReceiptUpdateInput): Promise<Receipt> {
    const member = await this.deps.store.updateReceipt(input.conversationId, user.id, {
      deliveredSeq: input.deliveredSeq,
      readSeq: input.readSeq,
    });
    if (!member) throw this.deps.membership.denied();
    const receipt: Receipt = {
      conversationId: input.conversationId,
      userId: user.id,
      deliveredSeq: member.deliveredSeq,
      readSeq: member.readSeq,
    };
    this.deps.relay.receipt(receipt);
    if (input.readSeq !== undefined)
      this.deps.listener?.readUpTo(user.id, receipt.conversationId, receipt.readSeq);
    return receipt;
  }
}
