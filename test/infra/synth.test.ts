import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './infra-app';

/**
 * The one full synthesis of the suite: the CDK CLI runs `cdk.json`'s app exactly as `npx cdk synth` does,
 * bundling every handler with the project's esbuild (no Docker) and running the cdk-nag plugin. It must
 * work offline, so no credentials, no account and no network are given to it.
 */

const run = promisify(execFile);

const outdir = mkdtempSync(join(tmpdir(), 'bulk-imports-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string } }>;
}

describe('cdk synth', () => {
  it('synthesizes both stacks offline, with every handler bundled by esbuild', async () => {
    // Prepare
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'no-such-profile',
      CDK_DEFAULT_ACCOUNT: '',
      CDK_DEFAULT_REGION: '',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    };

    // Act
    await run(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
        'synth',
        '--quiet',
        '--no-notices',
        '-o',
        outdir,
      ],
      { cwd: PROJECT_ROOT, env, timeout: 170_000 },
    );

    // Assess
    const assets = JSON.parse(
      readFileSync(join(outdir, 'BulkImports-Stateless.assets.json'), 'utf8'),
    ) as AssetManifest;
    const template = readFileSync(join(outdir, 'BulkImports-Stateless.template.json'), 'utf8');
    const bundles = Object.values(assets.files)
      .map((file) => join(outdir, file.source.path, 'index.js'))
      .filter((bundle) => existsSync(bundle));
    expect(bundles).toHaveLength(5);
    for (const bundle of bundles) {
      expect(statSync(bundle).size).toBeGreaterThan(10_000);
      expect(readFileSync(bundle, 'utf8')).toMatch(/handler/);
      expect(existsSync(`${bundle}.map`)).toBe(true);
    }
    expect(template).toContain('"Runtime": "nodejs24.x"');
    expect(existsSync(join(outdir, 'BulkImports-Stateful.template.json'))).toBe(true);
  }, 180_000);
});
