#!/usr/bin/env node
// Entry point of the `pmbt` command: runs the compiled CLI (npm ci builds dist/ through `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
