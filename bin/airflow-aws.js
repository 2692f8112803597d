#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI so `--help` stays a single small import.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
