import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixtures = join(repoRoot, 'tests', 'fixtures');
export const bigCapture = join(repoRoot, '..', 'shared', 'corpus', 'big', 'h2load_200k.pcap');
