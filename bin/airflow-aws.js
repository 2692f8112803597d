#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI so `--help` stays a single small import.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
// After Ctrl-C the command has reported what goes on; work a library started (the CDK toolkit still polling
// CloudFormation) must not keep the process alive until it ends.
if (process.exitCode === 130) process.exit(130);
