#!/usr/bin/env node
// Shim so that npm can link the bin before `tsc -b` has produced dist/.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
