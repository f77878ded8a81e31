#!/usr/bin/env node
// `npm run build`: compiles libs/jobs into dist/libs/jobs (CommonJS + .d.ts + package.json + README + LICENSE),
// ready for `npm pack dist/libs/jobs`. Plain CommonJS so tests can require() it too.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'libs/jobs');
const OUT = path.join(ROOT, 'dist/libs/jobs');

/** Builds into `outDir` (default dist/libs/jobs); tests pass a temp dir so they never clobber dist/. */
function build({ outDir = OUT, quiet = false } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });

  // No source maps: the TypeScript sources are not shipped (inlined, they were 54 % of the tarball),
  // and a map pointing at files that are not there only makes debuggers and source-map-support
  // complain. tsc's ES2022 output is close enough to the source to read in a stack trace, as with
  // @nestjs/common, which ships no maps either.
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      ...['-p', path.join(LIB, 'tsconfig.lib.json'), '--outDir', outDir],
      ...[
        '--sourceMap',
        'false',
        '--declarationMap',
        'false',
        '--pretty',
        'false',
      ],
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `tsc failed to compile libs/jobs (exit ${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }

  fs.copyFileSync(
    path.join(LIB, 'package.json'),
    path.join(outDir, 'package.json'),
  );
  fs.copyFileSync(path.join(LIB, 'README.md'), path.join(outDir, 'README.md'));
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(outDir, 'LICENSE'));

  // A spec file compiled into the package would be a bug in tsconfig.lib.json's excludes.
  const strays = listFiles(outDir).filter(
    (f) =>
      /\.(spec|e2e-spec)\.(js|d\.ts)$/.test(f) ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
      f.endsWith('.map'),
  );
  if (strays.length)
    throw new Error(
      `dist/libs/jobs must hold no tests, TypeScript sources or source maps, found: ${strays.join(', ')}`,
    );
  if (
    !fs.existsSync(path.join(outDir, 'index.js')) ||
    !fs.existsSync(path.join(outDir, 'index.d.ts'))
  ) {
    throw new Error(
      'dist/libs/jobs has no index.js/index.d.ts: check rootDir in libs/jobs/tsconfig.lib.json.',
    );
  }
  // Every entry point in package.json "exports" (., ./admin, ./metrics, ./health) must be built.
  const { exports: entries } = JSON.parse(
    fs.readFileSync(path.join(outDir, 'package.json'), 'utf8'),
  );
  for (const [entry, target] of Object.entries(entries)) {
    for (const file of typeof target === 'string'
      ? [target]
      : Object.values(target)) {
      if (!fs.existsSync(path.join(outDir, file)))
        throw new Error(
          `package.json exports ${entry} as ${file}, which the build did not produce.`,
        );
    }
  }

  const { name, version } = JSON.parse(
    fs.readFileSync(path.join(outDir, 'package.json'), 'utf8'),
  );
  const where = path.relative(process.cwd(), outDir) || '.';
  if (!quiet)
    console.log(
      `Built ${name}@${version} into ${where}. Pack it with: npm pack ${where}`,
    );
  return { outDir, name, version };
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory()
      ? listFiles(full, base)
      : [path.relative(base, full)];
  });
}

module.exports = { build, OUT };

if (require.main === module) {
  try {
    build();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
