// Type test for typed jobs: compiles fixtures/typed-jobs.ts with the repo's tsconfig (so
// 'nestjs-jobs' resolves through the tsconfig path to libs/jobs/src) and the TypeScript compiler API.
// The packed .d.ts get the same check in ../package/package.spec.ts.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../../..');
const FIXTURE = join(__dirname, 'fixtures/typed-jobs.ts');

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const { error } = read;
  // The JSON as read (`any` in TypeScript's API); parseJsonConfigFileContent checks it.
  const config: unknown = read.config;
  if (error)
    throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(
    config,
    ts.sys,
    ROOT,
    undefined,
    configPath,
  );
  return { ...parsed.options, noEmit: true, types: ['node'] };
}

/** Type-checks the fixture, with its source text optionally rewritten, and returns the diagnostics. */
function check(
  rewrite: (source: string) => string = (s) => s,
): readonly ts.Diagnostic[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) =>
    resolve(file) === FIXTURE
      ? ts.createSourceFile(
          file,
          rewrite(readFileSync(FIXTURE, 'utf8')),
          languageVersion,
          true,
        )
      : getSourceFile(file, languageVersion, onError, shouldCreate);
  const program = ts.createProgram([FIXTURE], options, host);
  return ts.getPreEmitDiagnostics(program);
}

const format = (diagnostics: readonly ts.Diagnostic[]) =>
  ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => '\n',
  });

/** 1-based lines holding a `// @ts-expect-error` directive. */
const directiveLines = (source: string) =>
  source
    .split('\n')
    .flatMap((line, i) =>
      line.trim().startsWith('// @ts-expect-error') ? [i + 1] : [],
    );

const lineOf = (d: ts.Diagnostic) =>
  d.file!.getLineAndCharacterOfPosition(d.start!).line + 1;

describe('typed jobs (JobPayloads augmentation)', () => {
  jest.setTimeout(120_000);

  it('compiles the fixture with zero diagnostics: every wrong payload is rejected, every right one accepted', () => {
    const diagnostics = check();
    expect(format(diagnostics)).toBe('');
  });

  it('rejects the bad lines only because of the declared payloads: without the augmentation every @ts-expect-error is unused', () => {
    const source = readFileSync(FIXTURE, 'utf8');
    const lines = directiveLines(source);
    expect(lines.length).toBeGreaterThanOrEqual(6);

    const withoutAugmentation = (s: string) => {
      const stripped = s.replace(
        /\/\/ BEGIN augmentation[\s\S]*\/\/ END augmentation/,
        '',
      );
      if (stripped === s)
        throw new Error(
          'fixtures/typed-jobs.ts lost its "// BEGIN augmentation ... // END augmentation" markers',
        );
      return stripped;
    };
    const diagnostics = check(withoutAugmentation);
    const removed =
      source.split('\n').length -
      withoutAugmentation(source).split('\n').length;

    // TS2578 is "Unused '@ts-expect-error' directive", one per directive line and nothing else.
    expect(diagnostics.map((d) => d.code)).toEqual(lines.map(() => 2578));
    expect(diagnostics.map(lineOf)).toEqual(lines.map((l) => l - removed));
  });
});
