/**
 * Page helpers built only on the accessibility contract (the roles and English names screen readers rely on), so
 * tests read as a person would use the app and break when a name a screen reader relies on changes.
 */
import { expect } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { openTab } from './browser';
import type { Ferry } from './ferry';

/** Default wait for something to show in the page. */
export const UI_TIMEOUT = 15_000;

/** Escapes text for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The conversation list landmark. */
export function conversationNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Conversations' });
}

/** The link of one conversation in the list (its name starts with the conversation's name). */
export function conversationLink(page: Page, name: string): Locator {
  return conversationNav(page).getByRole('link', { name: new RegExp(`^${escapeRegExp(name)}`) });
}

/** The row of one conversation in the list: its link, last activity time and preview. */
export function conversationRow(page: Page, name: string): Locator {
  // `has` is matched inside each list item, so it names the link alone (not nav → link).
  const link = page.getByRole('link', { name: new RegExp(`^${escapeRegExp(name)}`) });
  return conversationNav(page).getByRole('listitem').filter({ has: link });
}

/** The message log of the open conversation, named by the conversation. */
export function messageLog(page: Page, name: string): Locator {
  return page.getByRole('log', { name });
}

/** Every rendered message of a conversation's log. */
export function messages(page: Page, conversationName: string): Locator {
  return messageLog(page, conversationName).getByRole('article');
}

/** The one message article whose accessible name includes `text`. */
export function messageArticle(page: Page, conversationName: string, text: string): Locator {
  return messages(page, conversationName).filter({ hasText: text });
}

/** The connection state (`role="status"`: Online, Connecting, Offline — N waiting). */
export function connectionStatus(page: Page): Locator {
  return page.getByRole('status');
}

/** expect.poll with the UI's patience (vitest's default is 1 s): `await eventually(fn).toBe(x)`. */
export function eventually<T>(fn: () => T | Promise<T>, timeout = UI_TIMEOUT) {
  return expect.poll(fn, { timeout, interval: 100 });
}

/** All texts of a locator's matches, joined; '' when there is none (never waits). */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.allTextContents()).join(' ');
}

/** Accessible names of the conversation links, in list order (never waits). */
export async function conversationLabels(page: Page): Promise<string[]> {
  return conversationNav(page)
    .getByRole('link')
    .evaluateAll((links) => links.map((a) => a.getAttribute('aria-label') ?? a.textContent ?? ''));
}

/** Waits until the connection status says Online. */
export async function waitOnline(page: Page, timeout = UI_TIMEOUT): Promise<void> {
  await connectionStatus(page).filter({ hasText: 'Online' }).waitFor({ timeout });
}

/** Waits until the connection status says Offline (the hub saw its socket drop). */
export async function waitOffline(page: Page, timeout = UI_TIMEOUT): Promise<void> {
  await connectionStatus(page).filter({ hasText: 'Offline' }).waitFor({ timeout });
}

/** Opens a tab of the app on `path` and waits until it says Online. */
export async function openOnlineTab(context: BrowserContext, ferry: Ferry, path = '/'): Promise<Page> {
  const page = await openTab(context, ferry, path);
  await waitOnline(page);
  return page;
}

/**
 * Waits until the open conversation's log is shown, and returns it. Shown means visible: an empty
 * log still fills the conversation pane (web/styles/app.css), under its "No messages yet".
 */
export async function shownLog(page: Page, name: string): Promise<Locator> {
  const log = messageLog(page, name);
  await log.waitFor({ timeout: UI_TIMEOUT });
  return log;
}

/** Opens a conversation from the list and waits for its log. */
export async function openConversation(page: Page, name: string): Promise<Locator> {
  await conversationLink(page, name).click();
  return shownLog(page, name);
}

/** Creates a room through "New room" and waits until its log is shown. */
export async function createRoom(page: Page, name: string): Promise<Locator> {
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('textbox', { name: 'Room name' }).fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  return shownLog(page, name);
}

/** Starts (or opens) a direct conversation through "New direct message"; waits for its log. */
export async function startDirect(page: Page, username: string): Promise<Locator> {
  await page.getByRole('button', { name: 'New direct message' }).click();
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('button', { name: 'Start' }).click();
  return shownLog(page, username);
}

/** The invite URL of the open room, read from the "Invite link" control. */
export async function inviteLink(page: Page): Promise<string> {
  const control = page.getByRole('textbox', { name: 'Invite link' });
  await control.waitFor({ timeout: UI_TIMEOUT });
  return control.inputValue();
}

/** The invite code of the open room: the last path segment of its "Invite link". */
export async function inviteCode(page: Page): Promise<string> {
  return decodeURIComponent(new URL(await inviteLink(page)).pathname.split('/').pop()!);
}

/** Types a message in the composer and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** Texts of the messages in a conversation's log, in on-screen order. */
export async function messageTexts(page: Page, conversationName: string): Promise<string[]> {
  return messages(page, conversationName).evaluateAll((els) =>
    els.map((el) => el.querySelector('[data-text]')?.textContent ?? ''),
  );
}

/** Waits until a locator's text matches `pattern` (a string is a substring). */
export async function waitForText(
  locator: Locator,
  pattern: string | RegExp,
  timeout = UI_TIMEOUT,
): Promise<void> {
  const re = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout }).toMatch(re);
}

/** Opens an invite URL in `page` and confirms with "Join"; waits for the room's log. */
export async function joinByInvite(page: Page, inviteUrl: string, roomName: string): Promise<Locator> {
  await page.goto(inviteUrl);
  await page.getByRole('button', { name: 'Join' }).click();
  return shownLog(page, roomName);
}

/** The status text of one of my own messages ("Queued on this device", "Sent", "Delivered", "Read", "Failed: …"). */
export function ownMessageStatus(page: Page, conversationName: string, text: string): Locator {
  return messageArticle(page, conversationName, text).getByText(/^(Queued|Sent|Delivered|Read|Failed)/);
}
