/**
 * What `npm publish` would ship: dist, README, LICENSE and package.json, nothing else of the repository;
 * every node and credential n8n is told about is in it; and the manifest is ready for n8n's checks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cleanNpmEnv } = require('../../scripts/lib/n8nHost.js');

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

function packedFiles(): string[] {
	if (!existsSync(join(ROOT, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
	const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: ROOT,
		env: cleanNpmEnv(),
		encoding: 'utf8',
	});
	return (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map((file) => file.path).sort();
}

describe('the published package', () => {
	const files = packedFiles();

	it('holds dist, README.md, LICENSE and package.json only', () => {
		const outside = files.filter((file) => !file.startsWith('dist/'));
		expect(outside).toEqual(['LICENSE', 'README.md', 'package.json']);
		// Nothing of the tests, scripts or sources travels inside dist either.
		expect(
			files.filter(
				(file) =>
					/(^|\/)(test|scripts|bench|examples)\//.test(file) || (file.endsWith('.ts') && !file.endsWith('.d.ts')),
			),
		).toEqual([]);
	});

	it('contains every node, credential and icon that package.json names for n8n', () => {
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) expect(files).toContain(file);
		for (const node of manifest.n8n.nodes as string[]) {
			const folder = node.slice(0, node.lastIndexOf('/'));
			expect(files.filter((file) => file.startsWith(`${folder}/`) && file.endsWith('.svg')).length).toBeGreaterThan(0);
			expect(files).toContain(node.replace(/\.js$/, '.json'));
		}
	});

	it('is a community package: keyword, peer n8n-workflow, no install scripts', () => {
		expect(manifest.keywords).toContain('n8n-community-node-package');
		expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(manifest.dependencies['n8n-workflow']).toBeUndefined();
		for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
			expect(manifest.scripts[hook]).toBeUndefined();
	});

	it('starts its dependency ranges at versions free of known advisories', () => {
		// linkify-it before 5.0.2: two 2026 denial-of-service advisories (quadratic time on crafted text).
		const [major, minor, patch] = String(manifest.dependencies['linkify-it'])
			.replace(/^[\^~]/, '')
			.split('.')
			.map(Number);
		expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(5_000_002);
	});
});
