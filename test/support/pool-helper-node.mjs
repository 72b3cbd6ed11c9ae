// The Node worker-thread entry of the kernel pool's test helper: loads the TypeScript through tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./pool-helper-node.ts', import.meta.url);
