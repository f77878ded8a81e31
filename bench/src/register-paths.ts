// Import first: makes `nestjs-jobs` resolve to the library compiled next to the bench
// (dist/bench/libs/jobs/src), the same mapping tsconfig's `paths` gives the compiler.
import * as path from 'node:path';
import { register } from 'tsconfig-paths';

register({
  baseUrl: path.resolve(__dirname, '../..'),
  paths: { 'nestjs-jobs': ['libs/jobs/src'] },
});
