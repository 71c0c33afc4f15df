// Loads the wasm build (www/pkg, built by .ci/build) into Node: the same module the page loads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tms from '../../www/pkg/tms_explorer.js';

const wasmPath = fileURLToPath(new URL('../../www/pkg/tms_explorer_bg.wasm', import.meta.url));
tms.initSync({ module: readFileSync(wasmPath) });

export default tms;
