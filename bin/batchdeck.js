#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping), so the CLI needs no build step.
import('../src-main/cli.ts');
