#!/usr/bin/env node
// Regenerates the README sections rendered from code (outcome table, scenarios).
// Usage: npm run build && node scripts/update-readme.mjs   (test/readme.test.ts fails when they drift)
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeSections, replaceSections } from './readme-sections.mjs';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, replaceSections(readFileSync(path, 'utf8'), await readmeSections()));
console.log('README.md updated');
