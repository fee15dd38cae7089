'use strict';
/**
 * Processes a run leaves behind: PIDs recorded in a file by the run that started them, stopped by the
 * next run; and the process that holds a TCP port, named when a port is taken by someone else.
 */
const { execFileSync } = require('node:child_process');
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

/** SIGTERM to a process (with `group`, to its process group), SIGKILL after `graceMs` if it still lives. */
function stopProcess(pid, { group = true, graceMs = 20_000 } = {}) {
	const signal = (name) => {
		try {
			process.kill(group ? -pid : pid, name);
		} catch {
			try {
				process.kill(pid, name);
			} catch {
				// gone
			}
		}
	};
	if (graceMs > 0) signal('SIGTERM');
	const deadline = Date.now() + graceMs;
	while (isAlive(pid) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
	if (isAlive(pid)) signal('SIGKILL');
}

/**
 * Stops what an earlier run recorded in `file` ({name: pid}) and is still running, in the order it
 * was recorded, if its command line matches `kinds[name].pattern` (a PID can be reused by an unrelated
 * process); `kinds[name]` also holds stopProcess's options. Returns the names stopped.
 */
function stopRecorded(file, kinds = {}) {
	let recorded;
	try {
		recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return [];
	}
	const stopped = [];
	for (const [name, pid] of Object.entries(recorded)) {
		if (!Number.isInteger(pid) || !isAlive(pid)) continue;
		const kind = kinds[name] ?? {};
		if (kind.pattern && !kind.pattern.test(commandLine(pid))) continue;
		stopProcess(pid, kind);
		stopped.push(`${name} (PID ${pid})`);
	}
	fs.rmSync(file, { force: true });
	return stopped;
}

function record(file, name, pid) {
	let recorded = {};
	try {
		recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		// first entry
	}
	recorded[name] = pid;
	fs.writeFileSync(file, JSON.stringify(recorded, null, 2));
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portInUse(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(true));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
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
		if (await portInUse(port)) taken.push(`port ${port} (${name}) is in use by ${portHolder(port) ?? 'another process'}`);
	}
	if (taken.length > 0) {
		throw Object.assign(new Error(`Cannot start: ${taken.join('; ')}. Stop that process (or run with MAILBOX_PORT_OFFSET=100 to move every port), then run again.`), { code: 'PORT_IN_USE' });
	}
}

module.exports = { isAlive, commandLine, stopProcess, stopRecorded, record, portInUse, portHolder, requireFreePorts };
