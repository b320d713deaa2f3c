/**
 * Links in README.md, DEVELOPERS.md and docs/*.md work where people read them (a checkout, or the
 * repository's page on a forge): every relative link names a file or folder inside the repository,
 * and its #anchor, when it has one, a heading of that Markdown file. Links out of the repository are
 * refused, except the few in ALLOWED_EXTERNAL, each with its reason; facts the docs rely on are copied
 * into docs/ with attribution instead (docs/source-document.md). URLs of this machine (127.0.0.1,
 * localhost) in prose are examples, not links out.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bareUrls, headingAnchors, links } from './markdown.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const DOCUMENTS = ['README.md', 'DEVELOPERS.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The only links out of the repository: file, URL, and why it may stay. */
const ALLOWED_EXTERNAL: Array<{ file: string; url: string; reason: string }> = [
  {
    file: 'docs/source-document.md',
    url: 'https://learn.microsoft.com/partner-center/developer/get-customer-organization',
    reason: 'the attribution of the copied source document: where its facts come from',
  },
];

const LOCAL_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

const anchorsOf = new Map<string, Set<string>>();
function anchors(path: string): Set<string> {
  let found = anchorsOf.get(path);
  if (!found) anchorsOf.set(path, (found = headingAnchors(readFileSync(path, 'utf8'))));
  return found;
}

test('the documents checked are the README, DEVELOPERS.md and every page of docs/', () => {
  assert.ok(DOCUMENTS.includes('docs/source-document.md'));
  assert.ok(DOCUMENTS.includes('docs/powershell.md'));
  assert.ok(DOCUMENTS.length >= 15, DOCUMENTS.join(', '));
});

for (const document of DOCUMENTS) {
  test(`${document}: relative links resolve inside the repository, anchors to headings; no link leaves it unless allowed`, () => {
    const path = join(REPO_ROOT, document);
    const text = readFileSync(path, 'utf8');
    const problems: string[] = [];
    let checked = 0;
    for (const { line, target } of links(text)) {
      const where = `${document}:${line}: ${target}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        if (!ALLOWED_EXTERNAL.some((allowed) => allowed.file === document && allowed.url === target)) problems.push(`${where}: a link out of the repository (copy the facts into docs/ with attribution, or add it to ALLOWED_EXTERNAL with a reason)`);
        continue;
      }
      checked++;
      const [file = '', anchor] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? path : resolve(dirname(path), decodeURIComponent(file));
      const inside = relative(REPO_ROOT, resolved);
      if (inside.startsWith('..') || inside.startsWith(sep)) {
        problems.push(`${where}: points outside the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) problems.push(`${where}: an anchor into something that is not a Markdown file`);
        else if (!anchors(resolved).has(anchor)) problems.push(`${where}: no heading "#${anchor}" in ${relative(REPO_ROOT, resolved)} (it has: ${[...anchors(resolved)].join(', ')})`);
      }
    }
    for (const { line, target } of bareUrls(text)) {
      if (!LOCAL_URL.test(target)) problems.push(`${document}:${line}: ${target}: a bare URL out of the repository in prose`);
    }
    assert.deepEqual(problems, []);
    if (document === 'README.md') assert.ok(checked >= 20, `README.md has ${checked} relative links`);
  });
}

test('every allowed external link is still used, where the list says', () => {
  for (const allowed of ALLOWED_EXTERNAL) {
    const found = links(readFileSync(join(REPO_ROOT, allowed.file), 'utf8')).some((link) => link.target === allowed.url);
    assert.ok(found, `${allowed.file} no longer links ${allowed.url}: remove it from ALLOWED_EXTERNAL`);
  }
});

test('the README links the source document copied into docs/, not a file outside the repository', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.match(readme, /\[\*\*Get a customer organization\*\*\]\(docs\/source-document\.md\)/);
  const copy = readFileSync(join(REPO_ROOT, 'docs/source-document.md'), 'utf8');
  // The copy carries the wire examples the conformance scenarios cite.
  assert.ok(copy.includes('MS-CorrelationId: a176c585-b5de-4d65-824c-67a6deb45cd9'));
  assert.ok(copy.includes('"technicalNotificationMails": [\n      "test@contoso.com"\n    ]'));
  assert.match(copy, /Global Administrator\n- Directory Writer\n- Global Reader/);
});

test('the Markdown reader finds what the link check relies on', () => {
  const sample = [
    '# Title',
    '## `@azure/identity` and MSAL',
    '## A 60-second tour',
    '## A 60-second tour',
    'See [a](docs/a.md#x), ![b](img.png "t"), <https://example.org/x> and `[c](not-a-link.md)`.',
    '[ref]: https://example.com/ref',
    '```sh',
    '[d](inside-code.md) https://in-code.example',
    '```',
    'Bare https://example.net/page and http://127.0.0.1:8080/x.',
    '```` ```sh no-run ```` is inline code, not a fence (a backtick fence\'s info string has no backtick)',
    '## After',
  ].join('\n');
  assert.deepEqual([...headingAnchors(sample)], ['title', 'azureidentity-and-msal', 'a-60-second-tour', 'a-60-second-tour-1', 'after']);
  assert.deepEqual(links(sample).map((link) => `${link.line} ${link.target}`), ['5 docs/a.md#x', '5 img.png', '5 https://example.org/x', '6 https://example.com/ref']);
  assert.deepEqual(bareUrls(sample).map((link) => `${link.line} ${link.target}`), ['10 https://example.net/page', '10 http://127.0.0.1:8080/x']);
});
