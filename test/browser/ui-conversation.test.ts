/**
 * The conversation UI: the composer's keys and length limit, windowed rendering of a long history
 * with older pages on scroll up, the list's order, unread counts and previews, direct messages,
 * typing and presence.
 */
import { describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX } from '../../contract/index';
import {
  collectPageErrors,
  conversationNav,
  conversationRow,
  createRoom,
  createRoomViaApi,
  ferrySuite,
  inviteCode,
  joinViaApi,
  messageArticle,
  messageLog,
  messages,
  messageTexts,
  newUser,
  openConversation,
  openOnlineTab,
  opViaApi,
  sendMessage,
  sendViaApi,
  signUp,
  startDirect,
  eventually,
  holdStore,
  serverMessages,
  textOf,
  waitForText,
} from './support/index';

// The long-history test posts 400 messages quickly: lift the per-user burst for this server.
const suite = ferrySuite({ env: { SEND_BURST: '1000' } });

describe('composer', () => {
  it('sends with Enter, adds a line with Shift+Enter, and blocks sending over the length limit', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'composer-alice');
    const page = await openOnlineTab(alice.context, suite.ferry);
    await createRoom(page, 'Keys');
    // An empty conversation says so (its log is shown all the same: createRoom waits for it).
    const empty = page.getByRole('region', { name: 'Keys' }).getByText('No messages yet');
    await empty.waitFor();
    const box = page.getByRole('textbox', { name: 'Message' });
    const send = page.getByRole('button', { name: 'Send' });

    await box.pressSequentially('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    expect(await messages(page, 'Keys').count()).toBe(0);
    await box.press('Enter');
    await eventually(() => messageTexts(page, 'Keys')).toEqual(['line one\nline two']);
    expect(await empty.count()).toBe(0);
    expect(await box.inputValue()).toBe('');
    expect(await send.isDisabled()).toBe(true); // empty

    // One over the limit: the counter says so and neither Send nor Enter sends.
    await box.fill('x'.repeat(MESSAGE_TEXT_MAX + 1));
    await page.getByText(`at most ${MESSAGE_TEXT_MAX} characters (1 over)`).waitFor();
    expect(await send.isDisabled()).toBe(true);
    await box.press('Enter');
    expect(await box.inputValue()).toHaveLength(MESSAGE_TEXT_MAX + 1);
    // The limit counts characters as people do: an emoji is one.
    await box.fill('😀'.repeat(MESSAGE_TEXT_MAX));
    await page.getByText('0 characters left').waitFor();
    expect(await send.isDisabled()).toBe(false);
    await send.click();
    await eventually(() => messages(page, 'Keys').count()).toBe(2);
    expect(await messageTexts(page, 'Keys')).toEqual(['line one\nline two', '😀'.repeat(MESSAGE_TEXT_MAX)]);
    await alice.context.close();
  });

  it('keeps the text in the box until the outbox holds it, and a Send meanwhile sends only what was typed after it', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'composer-held');
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Rope');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    const hold = await holdStore(page, 'outbox');
    await box.fill('Harbour at noon');
    await box.press('Enter');
    // Pressed again while the write waits: the same text is not sent twice.
    await box.press('Enter');
    await box.pressSequentially('Bring rope');
    await box.press('Enter');
    // Nothing is written yet: the sent text is still in the box, with what was typed after it.
    expect(await box.inputValue()).toBe('Harbour at noonBring rope');
    expect(await messages(page, 'Rope').count()).toBe(0);

    await hold.release();
    await eventually(() => messageTexts(page, 'Rope')).toEqual(['Harbour at noon', 'Bring rope']);
    await eventually(() => box.inputValue()).toBe('');
    const onServer = async () =>
      (await serverMessages(suite.ferry, alice.cookie, room.id)).map((m) => m.text);
    await eventually(onServer).toEqual(['Harbour at noon', 'Bring rope']);
    await alice.context.close();
  });
});

describe('over-long messages', () => {
  it('are refused before the outbox, with the limit named in English and in Chinese', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'long-alice');
    const page = await openOnlineTab(alice.context, suite.ferry);
    await createRoom(page, 'Limits');
    const box = page.getByRole('textbox', { name: 'Message' });
    const outboxCount = () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const open = indexedDB.open('ferry');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const count = open.result.transaction('outbox').objectStore('outbox').count();
              count.onsuccess = () => resolve(count.result);
              count.onerror = () => reject(count.error);
            };
          }),
      );

    // Far over: the size that would not even fit in one socket packet.
    await box.fill('z'.repeat(MESSAGE_TEXT_MAX * 20));
    const over = MESSAGE_TEXT_MAX * 19;
    const english = page.getByText(
      `Too long to send: a message can have at most ${MESSAGE_TEXT_MAX} characters (${over} over).`,
    );
    await english.waitFor();
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await box.press('Enter');
    await page.getByRole('button', { name: 'Send' }).click({ force: true });

    await page.getByLabel('Language').selectOption('zh-CN');
    await page
      .getByText(`消息过长，无法发送：最多 ${MESSAGE_TEXT_MAX} 个字符（超出 ${over} 个）。`)
      .waitFor();
    expect(await page.getByRole('button', { name: '发送' }).isDisabled()).toBe(true);
    const zhBox = page.getByRole('textbox', { name: '消息' });
    await zhBox.press('Enter');

    // Nothing was queued, shown or sent; the text is still there to shorten.
    expect(await outboxCount()).toBe(0);
    expect(await messages(page, 'Limits').count()).toBe(0);
    expect(await zhBox.inputValue()).toHaveLength(MESSAGE_TEXT_MAX * 20);
    // Shortened to fit, it goes.
    await zhBox.fill('fits now');
    await page.getByRole('button', { name: '发送' }).click();
    await eventually(() => messageTexts(page, 'Limits')).toEqual(['fits now']);
    await alice.context.close();
  });
});

describe('long history', () => {
  it('keeps the DOM to a window and loads older messages when scrolling up', async () => {
    const owner = await signUp(suite.ferry, 'history-bob');
    const room = await createRoomViaApi(suite.ferry, owner.cookie, 'Archive');
    const total = 400;
    const label = (i: number) => `msg ${String(i).padStart(3, '0')}`;
    const ids: string[] = [];
    for (let i = 1; i <= total; i++)
      ids.push((await sendViaApi(suite.ferry, owner.cookie, room.id, label(i))).message.id);

    const alice = await newUser(suite.browser, suite.ferry, 'history-alice');
    await joinViaApi(suite.ferry, alice.cookie, room.inviteCode!);
    const page = await openOnlineTab(alice.context, suite.ferry);
    const log = await openConversation(page, 'Archive');
    await messageArticle(page, 'Archive', label(total)).waitFor();
    const rendered = () => messages(page, 'Archive').count();
    const firstText = async () => (await messageTexts(page, 'Archive'))[0];
    expect(await rendered()).toBeLessThanOrEqual(150);

    // Scroll up until the very first message is there; the DOM never holds the whole history.
    await log.hover();
    for (let step = 0; (await firstText()) !== label(1); step++) {
      expect(step).toBeLessThan(60);
      const before = await firstText();
      await page.mouse.wheel(0, -20_000);
      await eventually(firstText).not.toBe(before);
      expect(await rendered()).toBeLessThanOrEqual(150);
    }
    await page.getByText('Start of the conversation').waitFor();
    expect(await messageArticle(page, 'Archive', label(total)).count()).toBe(0);
    // Every page read on the way up shows once, in order.
    const top = await messageTexts(page, 'Archive');
    expect(top).toEqual(top.map((_, i) => label(i + 1)));

    // An edit of an old message, in a page read while scrolling back, shows where it is.
    await opViaApi(suite.ferry, owner.cookie, room.id, {
      kind: 'edit',
      targetId: ids[2],
      text: 'msg 003 fixed',
    });
    await eventually(firstText).toBe(label(1));
    await eventually(async () => (await messageTexts(page, 'Archive')).slice(0, 4)).toEqual([
      label(1),
      label(2),
      'msg 003 fixed',
      label(4),
    ]);

    // And back down to the newest.
    for (let step = 0; (await messageArticle(page, 'Archive', label(total)).count()) === 0; step++) {
      expect(step).toBeLessThan(60);
      const before = await firstText();
      await page.mouse.wheel(0, 20_000);
      await eventually(firstText).not.toBe(before);
      expect(await rendered()).toBeLessThanOrEqual(150);
    }
    // Consecutive messages in order, none twice.
    const texts = await messageTexts(page, 'Archive');
    const first = Number(texts[0]!.slice(4));
    expect(texts).toEqual(texts.map((_, i) => label(first + i)));
    expect(await messageLog(page, 'Archive').count()).toBe(1);
    await alice.context.close();
  });
  it('keeps what is read in place while scrolling up moves the window and reads older pages', async () => {
    const owner = await signUp(suite.ferry, 'steady-bob');
    const room = await createRoomViaApi(suite.ferry, owner.cookie, 'Steady');
    const total = 300;
    // Rows of one, two and six lines: a row's height is not known before it is drawn.
    const lines = (i: number) => (i % 7 === 0 ? 6 : i % 3 === 0 ? 2 : 1);
    for (let i = 1; i <= total; i++) {
      const text = Array.from({ length: lines(i) }, (_, k) => `steady ${i}.${k}`).join('\n');
      await sendViaApi(suite.ferry, owner.cookie, room.id, text);
    }
    const alice = await newUser(suite.browser, suite.ferry, 'steady-alice');
    await joinViaApi(suite.ferry, alice.cookie, room.inviteCode!);
    const page = await openOnlineTab(alice.context, suite.ferry);
    const log = await openConversation(page, 'Steady');
    await messageArticle(page, 'Steady', `steady ${total}.0`).waitFor();

    // Step by step to the first message: the row in the middle of the view must move down by
    // exactly what was scrolled, whatever rows were added above or taken away below meanwhile.
    const steps = await log.evaluate(async (el) => {
      const scroller = el.closest<HTMLElement>('.log-scroll')!;
      const frames = async (n: number) => {
        for (let i = 0; i < n; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
      };
      const first = () =>
        [...scroller.querySelectorAll('article')].some((a) => a.textContent!.includes('steady 1.0'));
      const drift: number[] = [];
      for (let step = 0; step < 400 && !(first() && scroller.scrollTop === 0); step++) {
        const view = scroller.getBoundingClientRect();
        const middle = view.top + view.height / 2;
        const row = [...scroller.querySelectorAll<HTMLElement>('article')].find(
          (a) => a.getBoundingClientRect().bottom > middle,
        )!;
        const before = row.getBoundingClientRect().top;
        const scrolled = Math.min(200, scroller.scrollTop);
        scroller.scrollTop -= scrolled;
        // Tasks before the scroll event (it comes with the next frame): a page read from
        // IndexedDB may render then, before the list has heard of this scroll.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        await frames(3);
        if (row.isConnected) drift.push(row.getBoundingClientRect().top - before - scrolled);
      }
      return { drift, reachedFirst: first() };
    });
    expect(steps.reachedFirst).toBe(true);
    expect(steps.drift.length).toBeGreaterThan(30);
    // Scroll offsets snap to whole pixels.
    expect(Math.max(...steps.drift.map(Math.abs))).toBeLessThanOrEqual(1);
    await alice.context.close();
  });
});

describe('arrivals', () => {
  it('keep the newest message in view at the bottom, and leave a reader scrolled up where they are', async () => {
    const owner = await signUp(suite.ferry, 'follow-bob');
    const room = await createRoomViaApi(suite.ferry, owner.cookie, 'Tide');
    for (let i = 1; i <= 40; i++) await sendViaApi(suite.ferry, owner.cookie, room.id, `tide ${i}`);
    const alice = await newUser(suite.browser, suite.ferry, 'follow-alice');
    await joinViaApi(suite.ferry, alice.cookie, room.inviteCode!);
    const page = await openOnlineTab(alice.context, suite.ferry);
    const log = await openConversation(page, 'Tide');
    await messageArticle(page, 'Tide', 'tide 40').waitFor();
    /** Pixels between the scrolled view's bottom and the end of its content. */
    const fromBottom = () =>
      log.evaluate((el) => {
        const scroller = el.closest('.log-scroll')!;
        return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
      });
    await eventually(fromBottom).toBeLessThan(2);

    // Arrivals, one of them many lines tall: the view stays at the newest.
    await sendViaApi(suite.ferry, owner.cookie, room.id, 'tide 41');

    await sendViaApi(
      suite.ferry,
      owner.cookie,
      room.id,
      Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n'),
    );
    await sendViaApi(suite.ferry, owner.cookie, room.id, 'tide 43');
    await messageArticle(page, 'Tide', 'tide 43').waitFor();
    await eventually(fromBottom).toBeLessThan(2);

    // Scrolled up to read: arrivals add below without moving what is read.
    await log.hover();
    await page.mouse.wheel(0, -600);
    await eventually(fromBottom).toBeGreaterThan(300);
    const read = messageArticle(page, 'Tide', 'tide 30');
    const topOf = () => read.evaluate((el) => Math.round(el.getBoundingClientRect().top));
    const before = await topOf();
    await sendViaApi(suite.ferry, owner.cookie, room.id, 'tide 44');
    // The log shows an arrival (its live event) before the list's preview does (a re-read).
    await waitForText(conversationRow(page, 'Tide'), 'tide 44');
    expect(await topOf()).toBe(before);
    expect(await fromBottom()).toBeGreaterThan(300);
    await alice.context.close();
  });
});

describe('conversation list', () => {
  it('sorts by last activity and shows the preview and unread count of each conversation', async () => {
    const bob = await signUp(suite.ferry, 'list-bob');
    const alice = await newUser(suite.browser, suite.ferry, 'list-alice');
    const page = await openOnlineTab(alice.context, suite.ferry);
    await createRoom(page, 'Older room');
    const olderCode = await inviteCode(page);
    await createRoom(page, 'Newer room');
    await page.goto(suite.ferry.url + '/');
    const names = () =>
      conversationNav(page)
        .getByRole('link')
        .evaluateAll((as) => as.map((a) => a.ariaLabel));
    await eventually(names).toEqual(['Newer room', 'Older room']);

    const older = await joinViaApi(suite.ferry, bob.cookie, olderCode);
    await sendViaApi(suite.ferry, bob.cookie, older.id, 'Anyone on the older room?');
    await sendViaApi(suite.ferry, bob.cookie, older.id, 'Hello?');
    await eventually(names).toEqual(['Older room, 2 unread', 'Newer room']);
    await eventually(() => textOf(conversationRow(page, 'Older room'))).toContain(
      `${bob.user.username}: Hello?`,
    );
    await alice.context.close();
  });
});

describe('opened at a conversation', () => {
  it('shows its newest messages, then the window above them, every conversation with its unread count and the unread total in the title, after a reload too', async () => {
    const bob = await signUp(suite.ferry, 'open-bob');
    const alice = await newUser(suite.browser, suite.ferry, 'open-alice');
    const opened = await createRoomViaApi(suite.ferry, bob.cookie, 'Opened room');
    const label = (i: number) => `open ${String(i).padStart(2, '0')}`;
    for (let i = 1; i <= 30; i++) await sendViaApi(suite.ferry, bob.cookie, opened.id, label(i));
    await joinViaApi(suite.ferry, alice.cookie, opened.inviteCode!);
    const other = await createRoomViaApi(suite.ferry, bob.cookie, 'Other room');
    await joinViaApi(suite.ferry, alice.cookie, other.inviteCode!);
    await sendViaApi(suite.ferry, bob.cookie, other.id, 'One');
    await sendViaApi(suite.ferry, bob.cookie, other.id, 'Two');

    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${encodeURIComponent(opened.id)}`);
    const names = () =>
      conversationNav(page)
        .getByRole('link')
        .evaluateAll((as) => as.map((a) => a.ariaLabel));
    const check = async () => {
      await messageArticle(page, 'Opened room', label(30)).waitFor();
      // The first frame holds the newest rows only; the rest of the window follows.
      await messageArticle(page, 'Opened room', label(1)).waitFor({ state: 'attached' });
      expect(await messageTexts(page, 'Opened room')).toEqual(
        Array.from({ length: 30 }, (_, i) => label(i + 1)),
      );
      // The list comes after the messages, with the counts kept on the device: the open room read.
      await eventually(names).toEqual(['Other room, 2 unread', 'Opened room']);
      // The tab title's unread total, read with the list after the messages, follows too.
      await eventually(() => page.title()).toBe('(2) Ferry');
    };
    await check();
    // A cold open from the device's store gives the same screen.
    await page.reload();
    await check();
    await alice.context.close();
  });

  it("loads the date formats' locale data in a worker of its own as it starts, which ends by itself", async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'formats-alice');
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Dated room');
    const sent = await sendViaApi(suite.ferry, alice.cookie, room.id, 'What time is it?');
    // What the page gives the warm-up worker (its name: no message to wait for), and its errors.
    type Warmups = { __warmups: Array<{ name: string | null; error: string | null }> };
    await alice.context.addInitScript(() => {
      const Real = window.Worker;
      const seen: Warmups['__warmups'] = [];
      (window as unknown as Warmups).__warmups = seen;
      window.Worker = class extends Real {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          if (!/intlWarmupWorker/.test(String(url))) return;
          const record = { name: options?.name ?? null, error: null as string | null };
          seen.push(record);
          this.addEventListener('error', (e) => (record.error = e.message || 'error'));
        }
      };
    });

    for (const path of ['/', `/c/${encodeURIComponent(room.id)}`]) {
      const page = await alice.context.newPage();
      const errors = collectPageErrors(page);
      // The worker takes the page's language, builds the formats and closes itself: ended means it
      // was allowed (the page's Content-Security-Policy) and loaded.
      const warmups: Array<Promise<void>> = [];
      page.on('worker', (w) => {
        if (/intlWarmupWorker/.test(w.url()))
          warmups.push(new Promise((ended) => w.once('close', () => ended())));
      });
      await page.goto(suite.ferry.url + path);
      await eventually(() => warmups.length).toBe(1);
      await warmups[0];
      const [warmup, ...more] = await page.evaluate(() => (window as unknown as Warmups).__warmups);
      expect(more).toEqual([]);
      expect(warmup!.error).toBeNull();
      const request = JSON.parse(warmup!.name ?? 'null') as { lang: string; formats: object[] } | null;
      expect(request?.lang).toBe('en');
      expect(request?.formats).toHaveLength(4);
      if (path !== '/') {
        const time = await page.evaluate(
          (at) => new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit' }).format(at),
          sent.message.createdAt,
        );
        await eventually(() => textOf(messageArticle(page, 'Dated room', 'What time is it?'))).toContain(
          time,
        );
      }
      expect(errors).toEqual([]);
      await page.close();
    }
    await alice.context.close();
  });
});

describe('direct messages, typing and presence', () => {
  it('starts a direct conversation by username, shows who is typing and who is online', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'dm-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'dm-bob');
    const a = await openOnlineTab(alice.context, suite.ferry);
    const b = await openOnlineTab(bob.context, suite.ferry);

    await startDirect(a, bob.user.username);
    await sendMessage(a, 'Psst');
    // Bob sees the conversation under Alice's name.
    await openConversation(b, alice.user.username);
    await messageArticle(b, alice.user.username, 'Psst').waitFor();

    await a.getByRole('textbox', { name: 'Message' }).pressSequentially('are you th');
    await b.getByText(`${alice.user.username} is typing…`).waitFor();

    await b.getByRole('button', { name: /^Members/ }).click();
    const aliceRow = b
      .getByRole('list', { name: 'Members' })
      .getByRole('listitem')
      .filter({ hasText: alice.user.username });
    await eventually(() => textOf(aliceRow)).toMatch(/online/);
    // Alice closes her browser: Bob sees her go offline.
    await alice.context.close();
    await eventually(() => textOf(aliceRow)).toMatch(/offline/);
    await bob.context.close();
  });
});
