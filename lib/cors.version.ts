/** This package's version (kept equal to package.json by test/dynamic/packaging.spec.ts). */
export const VERSION = '0.1.0';
