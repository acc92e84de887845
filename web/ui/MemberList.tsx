/** Members of a conversation with their presence (online / offline). */
import type { LocalMember } from '../../localdb/index';
import { useLaterI18n } from '../i18n/later';

/** The member list panel. */
export function MemberList({ members, myId }: { members: LocalMember[]; myId: string }) {
  const { t } = useLaterI18n();
  const sorted = [...members].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username),
  );
  return (
    <ul class="members" aria-label={t.members}>
      {sorted.map((m) => (
        <li key={m.userId} class={m.online ? 'member on' : 'member'}>
          <span class="presence" aria-hidden="true" />
          <span class="member-name">{m.username}</span>
          {m.userId === myId && <span class="muted"> ({t.you})</span>}
          <span class="sr-only">, </span>
          <span class="member-state muted">{m.online ? t.online : t.offline}</span>
        </li>
      ))}
    </ul>
  );
}
