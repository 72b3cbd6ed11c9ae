/** The analysis engine: pure TypeScript (no DOM, no React, no tfjs), shared by the app, the worker and the CLI. */
export * from './analyze.ts';
export * from './compare.ts';
export * from './conventions.ts';
export * from './counts.ts';
export * from './format.ts';
export * from './solver.ts';
export * from './summary.ts';
export * from './table.ts';
export * from './forms.ts';
