import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm run bench -- --smoke --only=<cases>` on the built package: each case once at tiny sizes.
 * Fails with the end of its log when the run fails; returns the table rows it printed.
 * `portShift` moves the run's ports past MAILBOX_PORT_OFFSET: two test files that run the bench at
 * once (in two jest workers) would otherwise start their mail servers on the same ports.
 */
export async function benchSmoke(cases: string[], { portShift = 0 } = {}): Promise<string[]> {
	const env = { ...process.env, MAILBOX_PORT_OFFSET: String(Number(process.env.MAILBOX_PORT_OFFSET || 0) + portShift) };
	const child = spawn(
		process.execPath,
		[join(ROOT, 'scripts', 'bench.js'), '--smoke', '--no-build', `--only=${cases.join(',')}`],
		{ cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	if (code !== 0) throw new Error(`the smoke run failed (exit ${code}):\n${stderr.slice(-4000)}`);
	if (!stdout.includes('SMOKE RUN')) throw new Error(`the run did not say it was a smoke run:\n${stdout}`);
	return stdout.split('\n').filter((line) => /^\| \d /.test(line));
}

/** The case column of table rows, e.g. '2 poll cost'. */
export function casesOf(rows: string[]): string[] {
	return [...new Set(rows.map((line) => line.split('|')[1].trim()))].sort();
}
