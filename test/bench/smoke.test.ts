import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm run bench -- --smoke`: every benchmark case once at tiny sizes, so that a case broken by a
 * change elsewhere (a function that now returns another shape) fails here, not at the next full
 * run weeks later. The figures of a smoke run mean nothing; only that every case ran to its row.
 */
describe('npm run bench -- --smoke', () => {
	it('runs every case to the end and prints a row for each', async () => {
		const child = spawn(process.execPath, [join(ROOT, 'scripts', 'bench.js'), '--smoke', '--no-build'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		if (code !== 0) throw new Error(`the smoke run failed (exit ${code}):\n${stderr.slice(-4000)}`);
		expect(stdout).toContain('SMOKE RUN');
		const rows = stdout.split('\n').filter((line) => /^\| \d /.test(line));
		const cases = new Set(rows.map((line) => line.split('|')[1].trim()));
		expect([...cases].sort()).toEqual(['1 ingest', '2 poll cost', '3 memory', '4 reply latency', '5 bulk send']);
		// The ours-versus-built-in rows: ingest against each installed n8n, poll cost on both storages.
		expect(rows.filter((line) => line.includes('Mailbox Trigger (this package)'))).toHaveLength(1);
		expect(rows.filter((line) => line.includes('2 poll cost') && line.includes('sdbox'))).toHaveLength(2);
	}, 170_000);
});
