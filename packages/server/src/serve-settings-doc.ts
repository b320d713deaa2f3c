/**
 * The settings table of docs/configuration.md, rendered from serve-settings.ts between two markers.
 * `node --import tsx scripts/options-table.ts --write` rewrites it; a test fails when it differs.
 */
import { isSwitch, serveSettings, type ServeSetting } from './serve-settings.js';

export const TABLE_START = '<!-- options:start -->';
export const TABLE_END = '<!-- options:end -->';
export const REGENERATE_COMMAND = 'node --import tsx scripts/options-table.ts --write';

/** A pipe inside a cell, even in a code span, would end the cell. */
const cell = (markdown: string) => markdown.replaceAll('|', '\\|');

function defaultCell(setting: ServeSetting<never, unknown>): string {
  if (setting.docDefault !== undefined) return setting.docDefault;
  if (isSwitch(setting)) return setting.default === 'true' ? 'on' : 'off';
  return setting.default === undefined ? '—' : `\`${setting.default}\``;
}

export function renderSettingsTable(): string {
  const rows = serveSettings().map(([, setting]) => {
    const env = `\`${setting.env}\`${setting.envNote ? ` ${setting.envNote}` : ''}`;
    return `| ${[`\`${setting.flags}\``, env, defaultCell(setting), setting.meaning].map(cell).join(' | ')} |`;
  });
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The document with the table between its markers replaced by the rendered one. */
export function withSettingsTable(document: string): string {
  const start = document.indexOf(TABLE_START);
  const end = document.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/configuration.md has no ${TABLE_START} … ${TABLE_END} markers`);
  return `${document.slice(0, start + TABLE_START.length)}\n${renderSettingsTable()}\n${document.slice(end)}`;
}
