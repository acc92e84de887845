/**
 * Signing up, in and out: kept apart from the rest of actions.ts so the shell's Sign out button
 * needs no chunk (the other actions are fetched with the views that call them).
 */
import { HttpPath, type Ack, type User } from '../../contract/index';
import { askPersistentStorage, forgetCachedAttachments } from './storage';
import { postJson } from './http';
import { hubClient } from './hubClient';

async function signedIn(answer: Ack<{ user: User }>): Promise<Ack<{ user: User }>> {
  if (answer.ok) {
    void askPersistentStorage();
    await hubClient().request('signedIn', { user: answer.user });
  }
  return answer;
}

/** The session's actions (also part of `actions`). */
export const sessionActions = {
  signUp: async (username: string, password: string) =>
    signedIn(await postJson<{ user: User }>(HttpPath.signup, { username, password })),
  signIn: async (username: string, password: string) =>
    signedIn(await postJson<{ user: User }>(HttpPath.signin, { username, password })),
  /** Signs out on the server (when reachable) and forgets this account's cached data. */
  async signOut(): Promise<void> {
    await postJson(HttpPath.signout, {});
    await hubClient().request('signedOut', {});
    // Files of this account's conversations must not be shown to the next one on this device.
    await forgetCachedAttachments();
  },
};
