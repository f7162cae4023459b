// The repository stands alone: no comment, doc or test cites material its users do not have
// (reference notes kept on a build machine, their section numbers) or a path of one machine.
// What vodflow relies on is written in docs/ (VOD-API.md, MNS-PROTOCOL.md, TEMPORAL-NOTES.md),
// and pointers into docs/ must lead somewhere. The patterns are assembled from parts so that
// this file does not match them itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../harness/stack/paths';

interface TextFile {
  file: string;
  text: string;
}

/** Tracked files plus new ones not ignored, so a citation is caught before it is committed. */
function repositoryTextFiles(): TextFile[] {
  const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const files: TextFile[] = [];
  for (const file of new Set(listing.split('\0').filter(Boolean))) {
    const full = path.join(repoRoot, file);
    // A file deleted in the working tree but still in the index, or a submodule/symlink to a folder.
    if (!existsSync(full) || !statSync(full).isFile()) continue;
    const bytes = readFileSync(full);
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary
    files.push({ file, text: bytes.toString('utf8') });
  }
  return files;
}

const files = repositoryTextFiles();

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function excerpt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text
    .slice(start, end === -1 ? undefined : end)
    .trim()
    .slice(0, 160);
}

/** Every match of `pattern` (global) in every file, as "file:line: why: text". */
function findings(pattern: RegExp, why: string, accept: (match: RegExpExecArray) => boolean = () => false) {
  const found: string[] = [];
  for (const { file, text } of files) {
    for (const match of text.matchAll(pattern)) {
      if (accept(match)) continue;
      found.push(`${file}:${lineOf(text, match.index)}: ${why}: ${excerpt(text, match.index)}`);
    }
  }
  return found;
}

const sectionSign = String.fromCharCode(0xa7);
const outsideNotes = [
  ['temporal', 'notes'].join('-'),
  ['mns', 'protocol'].join('-'),
  ['vod', 'events'].join('-') + '\\.md',
  ['vod', 'events'].join('-') + '\\s*' + sectionSign,
  ['shared', 'reference'].join('/'),
];

test('git lists the repository files this check reads', () => {
  assert.ok(files.length > 100, `only ${files.length} text files listed`);
  assert.ok(files.some((f) => f.file === 'package.json'));
});

test('no file cites reference notes from outside the repository', () => {
  const citations = [
    ...findings(new RegExp(outsideNotes.join('|'), 'g'), 'names an outside reference file'),
    ...findings(new RegExp('\\b' + 'reference' + '\\s+[A-Z][0-9]', 'gi'), 'cites a reference part'),
    ...findings(new RegExp(sectionSign + '\\s*[0-9]', 'g'), 'cites a section of an outside document'),
    // Part numbers of an outside protocol reference in parentheses: A8, B3, A6.7, or A3 and A8 together.
    ...findings(
      new RegExp('\\(' + '[AB][0-9]{1,2}(?:\\.[0-9]+)?' + '(?:,\\s*[AB][0-9]{1,2}(?:\\.[0-9]+)?)*\\)', 'g'),
      'cites a part of an outside reference',
    ),
  ];
  assert.deepEqual(
    citations,
    [],
    'Write what the code relies on into docs/ and point there instead (docs/VOD-API.md, ' +
      'docs/MNS-PROTOCOL.md, docs/TEMPORAL-NOTES.md).',
  );
});

test('no file names an absolute path of one machine', () => {
  const userFolders = ['work', 'home', 'Users', 'root'].join('|');
  const found = [
    // Not after a word, a dot, a slash or "~": paths inside URLs and under ~ are not absolute paths.
    ...findings(new RegExp('(?<![\\w.~/-])/(?:' + userFolders + ')/[\\w.-]', 'g'), 'absolute machine path'),
    ...findings(new RegExp('\\b[A-Za-z]:\\\\' + 'Users' + '\\\\', 'g'), 'absolute machine path'),
  ];
  // Wherever this checkout and this user live, their paths must not be written down either.
  for (const local of [repoRoot, os.homedir()]) {
    if (local.split(/[\\/]/).filter(Boolean).length < 1) continue;
    const escaped = local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    found.push(
      ...findings(new RegExp('(?<![\\w./-])' + escaped + '(?=[\\\\/])', 'g'), 'path of this machine'),
    );
  }
  // One finding per line: the generic and the local pattern often see the same path.
  const perLine = new Map(found.map((f) => [f.split(': ')[0], f]));
  assert.deepEqual([...perLine.values()], [], 'Use paths relative to the repository (or <repo>).');
});

test('no file uses the paths of the old layout', () => {
  // The harness and the CLI left src/: harness/emulators, harness/stack, cli/.
  const old = ['emulators', 'stack', 'cli'].map((dir) => ['src', dir].join('/') + '/').join('|');
  const stale = findings(new RegExp('(?<![\\w./-])(?:' + old + ')', 'g'), 'stale path');
  // Dependencies have their own src/cli folders.
  assert.deepEqual(
    stale.filter((f) => !f.startsWith('package-lock.json:')),
    [],
  );
});

test('pointers into docs/ name documents and sections that exist', () => {
  const headings = new Map<string, string[]>();
  const headingsOf = (doc: string): string[] | undefined => {
    if (!headings.has(doc)) {
      const source = files.find((f) => f.file === `docs/${doc}`);
      if (!source) return undefined;
      const titles = [...source.text.matchAll(/^#{1,6}[ \t]+(.+)$/gm)].map((m) => normalize(m[1] ?? ''));
      headings.set(doc, titles);
    }
    return headings.get(doc);
  };
  const normalize = (title: string) => title.replace(/`/g, '').trim();
  const missingDocs = findings(
    /(?<![\w./-])docs\/([A-Za-z0-9_-]+\.md)/g,
    'no such document',
    (m) => headingsOf(m[1] ?? '') !== undefined,
  );
  // A document followed by `, "Section"` or ` ("Section"`; a trailing "…" means "the section starting with".
  const missingSections = findings(
    /(?<![\w./-])docs\/([A-Za-z0-9_-]+\.md)(?:, | \()"([^"\n]+)"/g,
    'no such section',
    (m) => {
      const titles = headingsOf(m[1] ?? '');
      if (!titles) return true; // reported above
      const wanted = normalize(m[2] ?? '');
      const prefix = wanted.replace(/\s*(?:…|\.\.\.)$/, '');
      return prefix !== wanted ? titles.some((t) => t.startsWith(prefix)) : titles.includes(wanted);
    },
  );
  assert.deepEqual([...missingDocs, ...missingSections], []);
});
