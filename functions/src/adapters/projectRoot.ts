import fs from 'node:fs';
import path from 'node:path';

/** The project root: the nearest directory above this file holding package.json and config/. */
export function projectRoot(): string {
  if (process.env.INCIDENT_PIPELINE_ROOT) return process.env.INCIDENT_PIPELINE_ROOT;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'config'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the project root (package.json with config/) above ${__dirname}`);
    dir = up;
  }
}
