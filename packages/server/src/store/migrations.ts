/** Numbered SQL migrations, one folder per dialect: `NNN-name.do.sql` applies, `NNN-name.undo.sql` reverts. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder } from '../package-paths.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly doSql: string;
  readonly undoSql: string | undefined;
}

/** Read once per process: the files ship with the package, and every store that opens reads them. */
const loaded = new Map<'sqlite' | 'postgres', readonly Migration[]>();

export function loadMigrations(dialect: 'sqlite' | 'postgres'): readonly Migration[] {
  let migrations = loaded.get(dialect);
  if (migrations === undefined) loaded.set(dialect, (migrations = Object.freeze(readMigrations(dialect))));
  return migrations;
}

function readMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const folder = migrationsFolder(dialect);
  const files = readdirSync(folder);
  return files
    .filter((file) => /^\d{3}-[\w-]+\.do\.sql$/.test(file))
    .sort()
    .map((file) => {
      const base = file.slice(0, -'.do.sql'.length);
      const undoFile = `${base}.undo.sql`;
      return {
        version: Number(base.slice(0, 3)),
        name: base.slice(4),
        doSql: readFileSync(join(folder, file), 'utf8'),
        undoSql: files.includes(undoFile) ? readFileSync(join(folder, undoFile), 'utf8') : undefined,
      };
    });
}
