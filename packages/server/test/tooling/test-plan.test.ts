/**
 * How `npm test` lays out its processes (scripts/test-plan.mjs): the fast layer's files share a few
 * processes, short integration files a few others, every other integration file runs alone, and the
 * longest start first; with no groups asked for (--record-durations), one process per file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { planTestProcesses } from '../../../../scripts/test-plan.mjs';

const durations = {
  'a/pure.test.ts': 0.5,
  'a/inject.test.ts': 3,
  'a/fuzz.test.ts': 20,
  'a/short.integration.test.ts': 2,
  'a/other-short.integration.test.ts': 4,
  'a/long.integration.test.ts': 60,
};

/** The test files each group process imports. */
function members(group: string): string[] {
  return [...readFileSync(group, 'utf8').matchAll(/^import "([^"]+)";$/gm)].map(([, url]) => fileURLToPath(url!).replace(`${process.cwd()}/`, ''));
}

test('fast files share processes, short integration files share others, long ones run alone, longest first', () => {
  const plan = planTestProcesses([...Object.keys(durations), 'a/new.integration.test.ts'], durations, 2);
  try {
    const [first, second, ...rest] = plan.files;
    // A file with no recorded time starts first; then the 60 s file.
    assert.deepEqual([first, second], ['a/new.integration.test.ts', 'a/long.integration.test.ts']);
    // Then the groups, longest first: each kind split into two of about equal length.
    assert.deepEqual(rest.map((group) => [group.replace(/^.*\/(fast-layer|short-integration)-.*$/, '$1'), members(group)]), [
      ['fast-layer', ['a/fuzz.test.ts']], // 20 s
      ['short-integration', ['a/other-short.integration.test.ts']], // 4 s
      ['fast-layer', ['a/inject.test.ts', 'a/pure.test.ts']], // 3.5 s
      ['short-integration', ['a/short.integration.test.ts']], // 2 s
    ]);
  } finally {
    plan.cleanup();
  }
  assert.ok(plan.files.filter((file) => file.endsWith('.mjs')).every((file) => !existsSync(file)), 'cleanup removes the group files');
});

test('a fast file with no recorded time counts as a typical one, not as a group of its own', () => {
  const heavy = { 'b/one.test.ts': 10, 'b/two.test.ts': 10, 'b/three.test.ts': 1, 'b/four.test.ts': 1 };
  const plan = planTestProcesses([...Object.keys(heavy), 'b/new.test.ts'], heavy, 2);
  try {
    // new.test.ts counts as the median (10 s): 10 + 1 + 1 beside 10 + 10, not alone beside 22 s.
    assert.deepEqual(plan.files.map(members), [
      ['b/new.test.ts', 'b/two.test.ts'],
      ['b/four.test.ts', 'b/one.test.ts', 'b/three.test.ts'],
    ]);
  } finally {
    plan.cleanup();
  }
});

test('without groups every file is a process of its own, longest first', () => {
  const plan = planTestProcesses(Object.keys(durations), durations, 0);
  plan.cleanup();
  assert.deepEqual(plan.files, Object.keys(durations).sort((a, b) => durations[b as keyof typeof durations] - durations[a as keyof typeof durations]));
});
