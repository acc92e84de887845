/**
 * What the two stores' versioned migrations share: versions that increase from 1, the newest one
 * this build knows, and refusing a database written by a newer build. Each store applies and
 * records them in its own way (sqlite/migrations.ts, postgres/migrations.ts).
 */

export interface VersionedMigration {
  /** Positive, strictly increasing. */
  version: number;
  name: string;
}

/** The newest version in `migrations` (0 for none); throws unless versions increase from 1. */
export function latestVersion(migrations: readonly VersionedMigration[]): number {
  migrations.forEach((m, i) => {
    const previous = i === 0 ? 0 : migrations[i - 1]!.version;
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`Migration "${m.name}" has version ${m.version}; versions must increase from 1.`);
    }
  });
  return migrations.at(-1)?.version ?? 0;
}

/**
 * The migrations a database that has `applied` still needs, oldest first. Throws when the
 * database has a version newer than this build knows; `advice` says what to do about it.
 */
export function pendingMigrations<M extends VersionedMigration>(
  migrations: readonly M[],
  applied: ReadonlySet<number>,
  advice: string,
): M[] {
  const known = latestVersion(migrations);
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new Error(
      `The database schema is at version ${newest}, newer than this server knows (${known}): ${advice}`,
    );
  }
  return migrations.filter((m) => !applied.has(m.version));
}
