/**
 * `npm start` as users run it: through npm, from an empty demo folder, up to an editor that serves
 * both node types and runs the ping example; then stopped each way a user stops it (Ctrl-C, a plain
 * `kill` of npm, a closed terminal, a hang-up of npm alone), each leaving no process behind; a start after a hard kill stops
 * the leftovers by their recorded PIDs; a port taken by someone else is named with its process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const start = require('../../scripts/start.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mailServers = require('../../scripts/lib/mailServers.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
// Ports of their own: the demo's plus 90 (the browser test takes +50, the examples test +70).
const offset = Number(process.env.MAILBOX_PORT_OFFSET || 0) + 90;
const n8nUrl = `http://127.0.0.1:${start.DEMO_N8N_PORT + offset}`;
// A 0700 folder, as mkdtemp makes it: the mail servers' data then goes to /var/tmp (see mailFolder in start.js).
const demoDir = mkdtempSync(join(tmpdir(), 'mailbox-npm-start-'));
const ports = [
	...Object.values(start.DEMO_MAIL_PORTS as Record<string, number>).map((port) => port + offset),
	start.DEMO_N8N_PORT + offset,
];

interface Run {
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

/** `npm start` in its own process group, as a terminal runs it (Ctrl-C goes to the whole group). */
function npmStart(): Run {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('JEST_')),
	);
	const child = spawn('npm', ['start'], {
		cwd: ROOT,
		env: { ...env, MAILBOX_DEMO_DIR: demoDir, MAILBOX_PORT_OFFSET: String(offset) },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let output = '';
	child.stdout!.on('data', (chunk) => (output += chunk));
	child.stderr!.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, output: () => output, exited };
}

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

async function ready(run: Run): Promise<void> {
	await until('the editor is ready', 480_000, () => {
		if (run.child.exitCode !== null)
			throw new Error(`npm start exited with ${run.child.exitCode}:\n${run.output()}\n${serverLogs()}`);
		return run.output().includes('is ready');
	});
}

/** What the mail servers said while starting, for a start that failed. */
function serverLogs(): string {
	return ['postfix.start.log', 'postfix.log', 'dovecot.log']
		.map((name) => {
			try {
				return `${name}:\n${readFileSync(join(start.mailFolder(demoDir), name), 'utf8').slice(-2000)}`;
			} catch {
				return '';
			}
		})
		.join('\n');
}

/** Every process that belongs to this demo: its folder in the command line or the environment. */
function demoProcesses(): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
		if (Number(pid) === process.pid) continue;
		try {
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
			if (cmdline.includes(demoDir) || environ.includes(`MAILBOX_DEMO_DIR=${demoDir}`))
				found.push(`${pid}: ${cmdline.replace(/\0/g, ' ').slice(0, 120)}`);
		} catch {
			// gone, or not ours to read
		}
	}
	return found;
}

async function nothingLeft(): Promise<void> {
	await until('every demo process has stopped', 60_000, () => demoProcesses().length === 0).catch((error) => {
		throw new Error(`${(error as Error).message}; still running:\n${demoProcesses().join('\n')}`);
	});
	for (const port of ports) expect([port, await processes.portInUse(port)]).toEqual([port, false]);
}

let cookie = '';
async function rest<T>(route: string, body?: unknown): Promise<T> {
	const response = await fetch(`${n8nUrl}/rest${route}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { 'content-type': 'application/json', cookie },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${route}: ${response.status} ${text.slice(0, 300)}`);
	return JSON.parse(text).data as T;
}

afterAll(() => {
	// A failed test must not leave servers behind on these ports for the next run.
	for (const entry of demoProcesses())
		processes.stopProcess(Number(entry.split(':')[0]), { group: false, graceMs: 5000 });
	mailServers.stopMailServersAt(start.mailFolder(demoDir));
	rmSync(path.dirname(start.mailFolder(demoDir)), { recursive: true, force: true });
	rmSync(demoDir, { recursive: true, force: true });
});

it('from an empty folder: the editor serves both node types and runs the ping example; Ctrl-C leaves nothing behind', async () => {
	const run = npmStart();
	try {
		await ready(run);
		const login = await fetch(`${n8nUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: start.DEMO_LOGIN.email, password: start.DEMO_LOGIN.password }),
		});
		expect(login.status).toBe(200);
		cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
		const types = (await (await fetch(`${n8nUrl}/types/nodes.json`, { headers: { cookie } })).json()) as Array<{
			name: string;
		}>;
		const names = types.map((type) => type.name);
		expect(names).toEqual(expect.arrayContaining(['n8n-nodes-mailbox.email', 'n8n-nodes-mailbox.emailTrigger']));

		const workflow = await rest<Record<string, unknown>>('/workflows/mailboxExample01');
		const { executionId } = await rest<{ executionId: string }>('/workflows/mailboxExample01/run', {
			workflowData: workflow,
			triggerToStartFrom: { name: "When clicking 'Execute workflow'" },
		});
		let status = '';
		await until('the ping example finishes', 120_000, async () => {
			status = (await rest<{ status: string }>(`/executions/${executionId}`)).status;
			return !['new', 'running', 'waiting'].includes(status);
		});
		expect(status).toBe('success');
	} finally {
		// Ctrl-C in a terminal: SIGINT to the whole foreground process group.
		if (run.child.exitCode === null) process.kill(-run.child.pid!, 'SIGINT');
	}
	// npm passes Ctrl-C on, waits for the script, then ends itself by the same signal, as in a terminal.
	expect([0, null]).toContain(await run.exited);
	expect(run.output()).toContain('Stopping n8n, Dovecot and Postfix...');
	expect(run.output()).toContain('Stopped.');
	await nothingLeft();
});

it('a plain `kill` of npm (SIGTERM to npm alone) stops everything', async () => {
	const run = npmStart();
	await ready(run);
	process.kill(run.child.pid!, 'SIGTERM');
	await run.exited;
	await nothingLeft();
});

it('a closed terminal (SIGHUP to the group) stops everything', async () => {
	const run = npmStart();
	await ready(run);
	process.kill(-run.child.pid!, 'SIGHUP');
	await run.exited;
	await nothingLeft();
});

it('a SIGHUP to npm alone (npm dies of it, the shell running the script stays) stops everything', async () => {
	const run = npmStart();
	await ready(run);
	process.kill(run.child.pid!, 'SIGHUP');
	await run.exited;
	await nothingLeft();
});

it('after a hard kill, the next start stops the leftovers by their recorded PIDs and comes up', async () => {
	const first = npmStart();
	await ready(first);
	// SIGKILL to npm and the start script only: n8n (its own process group) and the mail servers stay.
	process.kill(-first.child.pid!, 'SIGKILL');
	await first.exited;
	expect(demoProcesses().length).toBeGreaterThan(0);

	const second = npmStart();
	await ready(second);
	expect(second.output()).toMatch(/Stopped what an earlier run left running: n8n \(PID \d+\)/);
	process.kill(-second.child.pid!, 'SIGINT');
	await second.exited;
	await nothingLeft();
});

it('a port taken by another program is named with its process, and nothing is left running', async () => {
	const blocker: Server = createServer();
	await new Promise<void>((resolve) => blocker.listen(start.DEMO_N8N_PORT + offset, '127.0.0.1', resolve));
	try {
		const run = npmStart();
		expect(await run.exited).not.toBe(0);
		expect(run.output()).toContain(`port ${start.DEMO_N8N_PORT + offset} (n8n) is in use by PID ${process.pid}`);
	} finally {
		await new Promise((resolve) => blocker.close(resolve));
	}
	await nothingLeft();
});
