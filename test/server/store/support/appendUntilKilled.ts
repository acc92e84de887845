/**
 * Child process for the SQLite crash test: appends bursts of messages until it is killed and
 * prints `SENT <id> <room>` before each append and `ACK <id> <seq>` after each ack. Node queues a
 * pipe write inside the process when the pipe is full, and a kill loses that queue: so each
 * append starts only in the callback of its SENT line's write, once the line has left the
 * process. A lost ACK line only makes an acked message look unacked, which the test allows.
 * Usage: node --import tsx appendUntilKilled.ts <dataDir> <userId> <username> <roomId>...
 */
import { randomUUID } from 'node:crypto';
import { createSqliteStore } from '../../../../server/store/sqlite/index.js';

const [dataDir, userId, username, ...rooms] = process.argv.slice(2);
if (!dataDir || !userId || !username || rooms.length === 0) {
  console.error('usage: appendUntilKilled.ts <dataDir> <userId> <username> <roomId>...');
  process.exit(2);
}

const BURST = 60;
const MAX_IN_FLIGHT = 300;
const MAX_MESSAGES = 200_000; // a bound in case the parent never kills us
const store = await createSqliteStore(dataDir);
let sent = 0;
let inFlight = 0;

function send(): void {
  const room = sent++ % rooms.length;
  const id = randomUUID();
  inFlight++;
  process.stdout.write(`SENT ${id} ${room}\n`, () => append(id, room));
}

function append(id: string, room: number): void {
  store
    .appendMessage({
      id,
      conversationId: rooms[room]!,
      senderId: userId!,
      senderName: username!,
      text: id,
      typedAt: 1,
    })
    .then((result) => {
      if (result.status !== 'created') throw new Error(`unexpected ${result.status} for ${id}`);
      inFlight--;
      process.stdout.write(`ACK ${id} ${result.message.seq}\n`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

// A new burst every event-loop turn while earlier ones are still committing, so a kill can land
// anywhere: mid-transaction, between commit and ack, or while acks are being printed.
while (sent < MAX_MESSAGES) {
  if (inFlight < MAX_IN_FLIGHT) for (let i = 0; i < BURST; i++) send();
  await new Promise((resolve) => setImmediate(resolve));
}
await store.close();
