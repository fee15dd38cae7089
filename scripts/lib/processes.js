'use strict';
/**
 * The life of every process the scripts start (n8n, Redis, workers, the benchmark's children) and of
 * the daemons they start (Dovecot, Postfix): start it, record its PID, wait for its port, stop it.
 * One way each, so that "who stops this, and how" has one answer:
 * - startProcess: a long-lived child in its own process group, its output appended to a log file;
 * - runChild: a child run to completion, its output collected, killed when it overruns;
 * - recordPid / stopRecorded: PIDs kept in a JSON file ({name: pid}) by the run that started them,
 *   stopped by the next run when the first one died without stopping them;
 * - stopChild (a child of this process), stopProcess (a PID), stopPidFile (a daemon's own PID file):
 *   SIGTERM, then SIGKILL once the grace time is over;
 * - waitForPort, portInUse, portHolder, requireFreePorts, freePort: TCP ports on 127.0.0.1;
 * - watchParents: the end of the process that started this one (npm killed alone).
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');

function isAlive(pid) {
	try {
		// A zombie still answers kill -0; its state letter in /proc tells it has exited.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^\d+ \(.*\) Z/.test(stat);
	} catch {
		return false;
	}
}

function commandLine(pid) {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
	} catch {
		return '';
	}
}

/** A process's parent PID and start time (clock ticks since boot) from /proc; undefined once it is gone. */
function processInfo(pid) {
	try {
		// The command name (field 2) may hold spaces and parentheses: the fields after its last ')' are fixed.
		const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
		return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
	} catch {
		return undefined;
	}
}

function signalProcess(pid, name, group) {
	try {
		process.kill(group ? -pid : pid, name);
	} catch {
		try {
			process.kill(pid, name);
		} catch {
			// gone
		}
	}
}

/** SIGTERM to a process (with `group`, to its process group), SIGKILL after `graceMs` if it still lives. */
function stopProcess(pid, { group = true, graceMs = 20_000 } = {}) {
	if (graceMs > 0) signalProcess(pid, 'SIGTERM', group);
	const deadline = Date.now() + graceMs;
	while (isAlive(pid) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
	if (isAlive(pid)) signalProcess(pid, 'SIGKILL', group);
}

/** Stops the daemon whose PID file is `file` (Dovecot's and Postfix's master), as stopProcess does. */
function stopPidFile(file, { graceMs = 5000 } = {}) {
	let pid;
	try {
		pid = Number(fs.readFileSync(file, 'utf8').trim());
	} catch {
		return;
	}
	if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) stopProcess(pid, { group: false, graceMs });
}

/**
 * Stops a child this process started in its own group (startProcess): SIGTERM to the group, SIGKILL
 * once `graceMs` has passed without an exit. Resolves when it has exited.
 */
async function stopChild(child, { graceMs = 20_000 } = {}) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	signalProcess(child.pid, 'SIGTERM', true);
	let timer;
	const overdue = new Promise((resolve) => (timer = setTimeout(resolve, graceMs, 'overdue')));
	if ((await Promise.race([exited, overdue])) === 'overdue') {
		signalProcess(child.pid, 'SIGKILL', true);
		await exited;
	}
	clearTimeout(timer);
}

/** Adds `name: pid` to the JSON record `file`, for stopRecorded in a later run. */
function recordPid(file, name, pid) {
	let recorded = {};
	try {
		recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		// first entry
	}
	recorded[name] = pid;
	fs.writeFileSync(file, JSON.stringify(recorded, null, 2));
}

/**
 * Stops what an earlier run recorded in `file` and is still running, in the order it was recorded, if
 * its command line matches `kinds[name].pattern` (a PID can be reused by an unrelated process);
 * `kinds[name]` (else `fallback`) also holds stopProcess's options. Returns the names stopped.
 */
function stopRecorded(file, kinds = {}, fallback = {}) {
	let recorded;
	try {
		recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return [];
	}
	const stopped = [];
	for (const [name, pid] of Object.entries(recorded)) {
		if (!Number.isInteger(pid) || !isAlive(pid)) continue;
		const kind = kinds[name] ?? fallback;
		if (kind.pattern && !kind.pattern.test(commandLine(pid))) continue;
		stopProcess(pid, kind);
		stopped.push(`${name} (PID ${pid})`);
	}
	fs.rmSync(file, { force: true });
	return stopped;
}

/**
 * Starts a long-lived process in its own process group (so that stopping it stops what it starts),
 * its stdout and stderr appended to `logFile`. With `record` ({file, name}) its PID is recorded before
 * this returns, so that a run killed while waiting for it can still be cleaned up.
 */
function startProcess(command, args, { env = process.env, logFile, record } = {}) {
	const out = fs.openSync(logFile, 'a');
	try {
		const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
		if (record) recordPid(record.file, record.name, child.pid);
		return child;
	} finally {
		fs.closeSync(out);
	}
}

/**
 * Runs a command to completion and resolves with `{code, signal, stdout, stderr}`; it is killed after
 * `timeoutMs`, so that a stuck child cannot hold its caller.
 */
function runChild(command, args, { env = process.env, cwd, timeoutMs = 180_000 } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
	});
}

/** Resolves once something accepts connections on 127.0.0.1:port; rejects after `timeoutMs`. */
function waitForPort(port, timeoutMs = 15_000) {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			const socket = net.connect({ host: '127.0.0.1', port });
			socket.once('connect', () => {
				socket.destroy();
				resolve();
			});
			socket.once('error', () => {
				socket.destroy();
				if (Date.now() > deadline) reject(new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
				else setTimeout(attempt, 50);
			});
		};
		attempt();
	});
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portInUse(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(true));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
	});
}

/** A TCP port nobody listens on right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** The process listening on a TCP port, as "PID 123 (command line)", from /proc; undefined when unknown. */
function portHolder(port) {
	const inodes = new Set();
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		let lines = [];
		try {
			lines = fs.readFileSync(table, 'utf8').split('\n').slice(1);
		} catch {
			continue;
		}
		for (const line of lines) {
			const fields = line.trim().split(/\s+/);
			// state 0A is LISTEN; local_address is HEXIP:HEXPORT
			if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) inodes.add(fields[9]);
		}
	}
	if (inodes.size === 0) return undefined;
	for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
		let fds = [];
		try {
			fds = fs.readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
				if (match && inodes.has(match[1])) return `PID ${pid} (${commandLine(pid).slice(0, 160)})`;
			} catch {
				// closed meanwhile
			}
		}
	}
	return undefined;
}

/** Throws a message naming the holder of each port of `ports` ({name: port}) that is taken. */
async function requireFreePorts(ports) {
	const taken = [];
	for (const [name, port] of Object.entries(ports)) {
		if (await portInUse(port))
			taken.push(`port ${port} (${name}) is in use by ${portHolder(port) ?? 'another process'}`);
	}
	if (taken.length > 0) {
		const advice = 'Stop that process (or run with MAILBOX_PORT_OFFSET=100 to move every port), then run again.';
		throw Object.assign(new Error(`Cannot start: ${taken.join('; ')}. ${advice}`), { code: 'PORT_IN_USE' });
	}
}

/**
 * Calls `onLoss` once when the parent of this process, or its grandparent, ends. `npm start` runs a
 * script as npm -> sh -c -> node: npm killed alone (SIGHUP or SIGKILL to its PID) leaves the shell
 * waiting on node, so node's own parent lives on and only the grandparent's end tells. A PID is
 * compared with its start time, so that a reused PID does not pass for the process that left.
 * Returns a function that stops watching.
 */
function watchParents(onLoss, { intervalMs = 500 } = {}) {
	const parent = process.ppid;
	const watched = [];
	for (let pid = parent, generation = 0; generation < 2 && pid > 1; generation++) {
		const info = processInfo(pid);
		if (!info) break;
		watched.push({ pid, startTime: info.startTime });
		pid = info.ppid;
	}
	const gone = ({ pid, startTime }) => {
		const info = processInfo(pid);
		return !info || info.state === 'Z' || info.startTime !== startTime;
	};
	const timer = setInterval(() => {
		if (process.ppid !== parent || watched.some(gone)) {
			clearInterval(timer);
			onLoss();
		}
	}, intervalMs);
	return () => clearInterval(timer);
}

module.exports = {
	isAlive,
	commandLine,
	startProcess,
	runChild,
	recordPid,
	stopRecorded,
	stopProcess,
	stopPidFile,
	stopChild,
	waitForPort,
	portInUse,
	freePort,
	portHolder,
	requireFreePorts,
	watchParents,
};
