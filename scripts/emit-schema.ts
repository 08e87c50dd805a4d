// Writes schema.graphql from the code-first schema: `npm run emit-schema`.
import { writeFile } from 'node:fs/promises';
import { buildAppSchema, printAppSchema } from '../src/schema.js';

const target = new URL('../schema.graphql', import.meta.url);
await writeFile(target, printAppSchema(await buildAppSchema()));
process.stdout.write(`wrote ${target.pathname}\n`);
