// Every ```ts block of libs/jobs/README.md (the README npm shows) must compile as written in a
// `nest new`-style app: strict, isolatedModules, emitDecoratorMetadata, experimentalDecorators,
// declaration, module/moduleResolution nodenext. Each block is written to its own directory under
// .tmp/ (git-ignored) with such a tsconfig.json, 'nestjs-jobs' and its subpaths resolved by `paths` to
// the library's sources (as in ../types/typed-jobs.spec.ts), and type-checked with the compiler API,
// no emit, in a program of its own (a `declare module` in one block must not help another). Each
// block is checked twice: as CommonJS (a Nest 11 app) and as ESM (a Nest 12 app, "type": "module").
//
// Conventions, on the line just before a block (blank lines between are allowed):
//   <!-- compile: with-jobs -->      a fragment: prepends `declare const jobs: JobService;`
//   <!-- compile: with-app -->       a fragment: prepends `declare class AppModule {}` (your root module)
//   <!-- no-compile: <reason> -->    not checked; the reason is required
// Expected errors are written in the block itself as `// @ts-expect-error`, so they are checked too.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../../..');
const README = join(ROOT, 'libs/jobs/README.md');
const LIB_SRC = join(ROOT, 'libs/jobs/src');

/** Fragments name a prelude; each prelude is a single line, so README line numbers stay easy to map. */
const PRELUDES: Record<string, string> = {
  'with-jobs': "declare const jobs: import('nestjs-jobs').JobService;",
  'with-app': 'declare class AppModule {}',
};

export interface Sample {
  /** 1-based line of the opening fence in the README. */
  line: number;
  code: string;
  prelude?: string;
  skip?: string;
}

/** The ```ts / ```typescript blocks of `markdown`, with their directives. */
export function extractSamples(markdown: string): Sample[] {
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,})\s*(ts|typescript)\s*$/.exec(lines[i]);
    if (!fence) {
      // Skip other fenced blocks whole, so a ``` inside them is never taken for a ts fence.
      const other = /^\s*(`{3,})/.exec(lines[i]);
      if (other) {
        i++;
        while (i < lines.length && !lines[i].trim().startsWith(other[1])) i++;
      }
      continue;
    }
    let directive: string | undefined;
    for (let j = i - 1; j >= 0 && directive === undefined; j--) {
      if (lines[j].trim() === '') continue;
      directive =
        /^\s*<!--\s*((?:no-)?compile\b[\s\S]*?)\s*-->\s*$/.exec(
          lines[j],
        )?.[1] ?? '';
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j].trim() !== fence[2])
      body.push(lines[j++]);
    if (j === lines.length)
      throw new Error(
        `README line ${i + 1}: the \`\`\`ts block is never closed`,
      );
    const sample: Sample = { line: i + 1, code: body.join('\n') + '\n' };
    if (directive?.startsWith('no-compile')) {
      const reason = /^no-compile\s*:\s*(\S[\s\S]*)$/.exec(directive)?.[1];
      if (!reason)
        throw new Error(
          `README line ${i + 1}: write <!-- no-compile: <why> -->, with a reason`,
        );
      sample.skip = reason;
    } else if (directive?.startsWith('compile')) {
      const name = /^compile\s*:\s*(\S+)$/.exec(directive)?.[1];
      if (!name || !(name in PRELUDES)) {
        throw new Error(
          `README line ${i + 1}: unknown directive <!-- ${directive} -->; known: ${Object.keys(
            PRELUDES,
          )
            .map((p) => `compile: ${p}`)
            .join(', ')}, no-compile: <reason>`,
        );
      }
      sample.prelude = PRELUDES[name];
    }
    samples.push(sample);
    i = j;
  }
  return samples;
}

type Format = 'commonjs' | 'module';

/** A `nest new` tsconfig (Nest 11), made strict, with 'nestjs-jobs' pointed at the library's sources. */
function tsconfig(dir: string) {
  const src = (p: string) =>
    relative(dir, join(LIB_SRC, p)).split('\\').join('/');
  return {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      resolvePackageJsonExports: true,
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      sourceMap: true,
      outDir: './dist',
      // The library's sources stand in for its .d.ts; with the app's own rootDir, tsc would refuse them (TS6059).
      rootDir: relative(dir, ROOT).split('\\').join('/'),
      skipLibCheck: true,
      strict: true,
      forceConsistentCasingInFileNames: true,
      noEmit: true,
      types: ['node'],
      paths: {
        'nestjs-jobs': [src('index.ts')],
        'nestjs-jobs/metrics': [src('metrics/index.ts')],
        'nestjs-jobs/health': [src('health/index.ts')],
      },
    },
    files: ['main.ts'],
  };
}

/** Source files shared by every program: the library and node_modules are parsed once, not per block. */
const sourceCache = new Map<string, ts.SourceFile | undefined>();

/** Writes the block as `<dir>/main.ts` with its tsconfig.json and returns the diagnostics of main.ts. */
export function checkSample(
  code: string,
  dir: string,
  format: Format = 'commonjs',
): readonly ts.Diagnostic[] {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'tsconfig.json');
  writeFileSync(configPath, JSON.stringify(tsconfig(dir), null, 2) + '\n');
  if (format === 'module')
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const main = join(dir, 'main.ts');
  writeFileSync(main, code);

  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const { error } = read;
  // The JSON as read (`any` in TypeScript's API); parseJsonConfigFileContent checks it.
  const config: unknown = read.config;
  if (error)
    throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(
    config,
    ts.sys,
    dir,
    undefined,
    configPath,
  );
  if (parsed.errors.length) throw new Error(formatDiagnostics(parsed.errors));

  const host = ts.createCompilerHost(parsed.options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    const full = resolve(file);
    if (full.startsWith(dir))
      return getSourceFile(file, languageVersion, onError, shouldCreate);
    const key = `${typeof languageVersion === 'object' ? JSON.stringify(languageVersion) : languageVersion}:${full}`;
    if (!sourceCache.has(key))
      sourceCache.set(
        key,
        getSourceFile(file, languageVersion, onError, shouldCreate),
      );
    return sourceCache.get(key);
  };
  const program = ts.createProgram(parsed.fileNames, parsed.options, host);
  const file = program.getSourceFile(main)!;
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(file),
    ...program.getSemanticDiagnostics(file),
    ...program.getDeclarationDiagnostics(file),
  ];
}

/** Diagnostics as text, with main.ts positions turned into README lines. */
function explain(
  diagnostics: readonly ts.Diagnostic[],
  sample: Sample,
): string {
  const offset = sample.prelude ? 1 : 0;
  return diagnostics
    .map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return `TS${d.code}: ${text}`;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      const where = d.file.fileName.endsWith('main.ts')
        ? `README.md:${sample.line + 1 + line - offset}:${character + 1}`
        : `${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}`;
      return `${where} TS${d.code}: ${text}`;
    })
    .join('\n');
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => '\n',
  });
}

describe('libs/jobs/README.md samples compile in a nest new-style app', () => {
  jest.setTimeout(300_000);

  const samples = extractSamples(readFileSync(README, 'utf8'));
  const tmpRoot = join(ROOT, '.tmp');
  let workDir: string;

  beforeAll(() => {
    mkdirSync(tmpRoot, { recursive: true });
    workDir = mkdtempSync(join(tmpRoot, 'readme-samples-'));
  });

  it('finds the TypeScript blocks, and only the listed directives skip any', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
    // The main examples compile as written; a skipped block must say why (enforced by extractSamples).
    expect(samples.filter((s) => s.skip).length).toBeLessThanOrEqual(2);
  });

  const failures: string[] = [];
  for (const mode of ['commonjs', 'module'] as const) {
    it(`every block type-checks as ${mode === 'commonjs' ? 'CommonJS (Nest 11)' : 'ESM (Nest 12)'}`, () => {
      const problems: string[] = [];
      for (const sample of samples) {
        if (sample.skip) continue;
        const dir = join(workDir, `${mode}-L${sample.line}`);
        const diagnostics = checkSample(
          (sample.prelude ? sample.prelude + '\n' : '') + sample.code,
          dir,
          mode,
        );
        if (diagnostics.length) {
          problems.push(
            `\`\`\`ts block at README.md line ${sample.line} (reproduce: npx tsc -p ${relative(ROOT, dir)}):\n${explain(diagnostics, sample)}`,
          );
        }
      }
      failures.push(...problems);
      expect(problems.join('\n\n')).toBe('');
    });
  }

  it('rejects what a nest new app rejects: the problems issue 13 found in the old samples', () => {
    const old = [
      "import { Injectable } from '@nestjs/common';",
      "import { IsInt } from 'class-validator';",
      "import { JobHandler, JobContext } from 'nestjs-jobs';",
      'export class Payload {',
      '  @IsInt() deviceId: number;',
      '}',
      '@Injectable()',
      'export class BackupJobs {',
      "  @JobHandler('backup', { payload: BackupPayload })",
      '  async backup(data: Payload, ctx: JobContext) {',
      '    return ctx.id;',
      '  }',
      '}',
      "const ref = await jobs.enqueue({ name: 'backup', data: { deviceId: 7 } });",
      '',
    ].join('\n');
    const codes = checkSample(old, join(workDir, 'negative'))
      .map((d) => d.code)
      .sort();
    // 1272: a type imported as a value in a decorated signature (isolatedModules + emitDecoratorMetadata);
    // 2564: property without initializer (strict); 2304: undefined names; 1309/1378/80005-like: top-level await in CommonJS.
    expect(codes).toEqual(expect.arrayContaining([1272, 2564, 2304]));
    expect(codes.some((c) => c === 1309 || c === 1375 || c === 1378)).toBe(
      true,
    );
  });

  afterAll(() => {
    // Kept on failure, so the printed `npx tsc -p …` reproduces it.
    if (failures.length === 0 && workDir)
      rmSync(workDir, { recursive: true, force: true });
    else if (workDir)
      console.log(
        `README samples left in ${relative(ROOT, workDir)} (git-ignored)`,
      );
  });
});
