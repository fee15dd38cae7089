/**
 * The process-lifecycle helper of scripts/ on real processes: a script started as npm starts it
 * (npm -> sh -c -> node) notices when npm alone ends, and a child is stopped by SIGTERM, or by
 * SIGKILL when it ignores SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

const helper = join(__dirname, '..', '..', 'scripts', 'lib', 'processes.js');
const dir = mkdtempSync(join(tmpdir(), 'mailbox-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/**
 * A stand-in for npm: a node process that runs `sh -c "node script"` and waits, as npm run-script
 * does. The script writes its PID, then writes "lost" when watchParents calls back.
 */
function fakeNpm(name: string) {
	const marker = join(dir, name);
	const script =
		`const p = require(${JSON.stringify(helper)}); require('fs').writeFileSync(${JSON.stringify(`${marker}.pid`)}, String(process.pid));` +
		` p.watchParents(() => { require('fs').writeFileSync(${JSON.stringify(`${marker}.lost`)}, 'lost'); process.exit(0); }, { intervalMs: 100 });` +
		' setInterval(() => {}, 1000);';
	const npm = `const { spawn } = require('child_process'); spawn('sh', ['-c', 'node -e "$0"; true', ${JSON.stringify(script)}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
	const child = spawn(process.execPath, ['-e', npm], { stdio: 'ignore', detached: true });
	return { child, pidFile: `${marker}.pid`, lostFile: `${marker}.lost` };
}

it('a script run under sh by npm notices when npm alone is hung up on, though its own parent (sh) lives on', async () => {
	const npm = fakeNpm('hup');
	try {
		await until('the script started', 10_000, () => existsSync(npm.pidFile));
		const script = Number(readFileSync(npm.pidFile, 'utf8'));
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(existsSync(npm.lostFile)).toBe(false);
		process.kill(npm.child.pid!, 'SIGHUP');
		await until('the script noticed', 15_000, () => existsSync(npm.lostFile));
		await until('the script exited', 15_000, () => !processes.isAlive(script));
	} finally {
		processes.stopProcess(npm.child.pid!, { graceMs: 0 });
	}
});

it('stopChild ends a child by SIGTERM, and one that ignores SIGTERM by SIGKILL after the grace time', async () => {
	const polite = processes.startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
		logFile: join(dir, 'polite.log'),
	});
	await processes.stopChild(polite, { graceMs: 5_000 });
	expect(polite.signalCode).toBe('SIGTERM');

	// It says "ready" once its handler is in place: on a loaded machine Node may take seconds to get there.
	const stubbornLog = join(dir, 'stubborn.log');
	const stubborn = processes.startProcess(
		process.execPath,
		['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
		{ logFile: stubbornLog },
	);
	await until(
		'the stubborn child ignores SIGTERM',
		30_000,
		() => existsSync(stubbornLog) && readFileSync(stubbornLog, 'utf8').includes('ready'),
	);
	const started = Date.now();
	await processes.stopChild(stubborn, { graceMs: 500 });
	expect(stubborn.signalCode).toBe('SIGKILL');
	expect(Date.now() - started).toBeLessThan(10_000);
});

it('recordPid and stopRecorded: a later run stops what an earlier one recorded, only if its command line matches', async () => {
	const file = join(dir, 'running.json');
	const left = processes.startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'leftover-marker'], {
		logFile: join(dir, 'left.log'),
		record: { file, name: 'left' },
	});
	const other = processes.startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
		logFile: join(dir, 'other.log'),
		record: { file, name: 'other' },
	});
	try {
		const stopped = processes.stopRecorded(file, {
			left: { pattern: /leftover-marker/, graceMs: 5_000 },
			other: { pattern: /not-this-one/ },
		});
		expect(stopped).toEqual([`left (PID ${left.pid})`]);
		await until('the leftover stopped', 5_000, () => !processes.isAlive(left.pid));
		expect(processes.isAlive(other.pid)).toBe(true);
		expect(existsSync(file)).toBe(false);
	} finally {
		await processes.stopChild(other, { graceMs: 1_000 });
		await processes.stopChild(left, { graceMs: 1_000 });
	}
});
