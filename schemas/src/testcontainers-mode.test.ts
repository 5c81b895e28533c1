import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './testing/infra.js';

// The testcontainers switch of infra/with-services.sh. This machine has no Docker engine, so what
// can be checked here is the switch itself: the variable routes to the container launcher, which
// says why it cannot run and never runs the command against missing services.

const dockerPresent = existsSync('/var/run/docker.sock') || process.env.DOCKER_HOST !== undefined;

test('TCPX_TEST_SERVICES=testcontainers without a Docker engine: a clear error, the command never runs', {
  skip: dockerPresent && 'a Docker engine is present: the containers would really start',
}, async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'tcpx-tc-')), 'ran');
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      'bash',
      ['infra/with-services.sh', '--', 'touch', marker],
      { cwd: REPO_ROOT, env: { ...process.env, TCPX_TEST_SERVICES: 'testcontainers' } },
      (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
  assert.equal(code, 1);
  assert.match(stderr, /TCPX_TEST_SERVICES=testcontainers needs a Docker engine/);
  assert.equal(existsSync(marker), false, 'the command must not run without its services');
});
