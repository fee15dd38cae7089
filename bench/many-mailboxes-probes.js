'use strict';
/**
 * What bench/many-mailboxes.js reads while it runs: n8n's executions, CPU and memory, Dovecot's logins,
 * and the \Seen flags of the delivered mail.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const host = require('../scripts/lib/n8nHost');
const { maildirOf } = require('./lib');

const OURS = 'Mailbox Trigger';
const OURS_INSTANT = 'Mailbox Trigger (Instant)';
const BUILTIN = 'Email Trigger (IMAP)';
// Linux's USER_HZ, the unit of /proc/PID/stat's CPU times, is 100 on every architecture n8n runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** Runs SQL on n8n's database with n8n's own sqlite3 (and Node); 'all' returns the rows. */
function sqlite(n8n, userFolder, method, sql) {
	const script = `
		const sqlite3 = require(${JSON.stringify(path.join(n8n.folder, 'node_modules', 'sqlite3'))});
		const { parse } = require(${JSON.stringify(path.join(n8n.folder, 'node_modules', 'flatted'))});
		const db = new sqlite3.Database(${JSON.stringify(path.join(userFolder, '.n8n', 'database.sqlite'))});
		db.${method}(${JSON.stringify(sql)}, (error, rows) => {
			if (error) throw error;
			const out = (rows || []).map((row) => {
				if (!row.data) return row;
				const runData = parse(row.data).resultData.runData;
				const node = runData[${JSON.stringify(OURS)}]
					|| runData[${JSON.stringify(OURS_INSTANT)}]
					|| runData[${JSON.stringify(BUILTIN)}]
					|| [];
				const items = node[0] && node[0].data ? node[0].data.main[0] : [];
				const error = parse(row.data).resultData.error;
				const subjects = items.map((item) => item.json.subject);
				return { ...row, data: undefined, subjects, error: error ? String(error.message) : undefined };
			});
			process.stdout.write(JSON.stringify(out));
			db.close();
		});`;
	const result = spawnSync('node', ['-e', script], {
		env: host.n8nEnv(n8n, userFolder),
		encoding: 'utf8',
		maxBuffer: 256 * 2 ** 20,
	});
	if (result.status !== 0) throw new Error(`n8n's database: ${result.stderr}`);
	return JSON.parse(result.stdout || '[]');
}

/** CPU seconds (user + system) and RSS of a process, from /proc. */
function processStats(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))[1]) * 1024;
	// Fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks, counted after the command name.
	return {
		cpuSeconds: (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS_PER_SECOND,
		rss: kb('VmRSS'),
		peak: kb('VmHWM'),
	};
}

/** IMAP logins of the phase's users that Dovecot logged since byte `from` of its log. */
function logins(info, from, prefix) {
	const log = fs.readFileSync(path.join(info.base, 'dovecot.log'), 'utf8').slice(from);
	return (log.match(new RegExp(`imap-login: Info: Login: user=<${prefix}`, 'g')) || []).length;
}

/** Tags of the mails whose \Seen flag is set on the server (Maildir: an S among the flags of the file name in cur/). */
function markedRead(info, addresses) {
	const tags = new Set();
	for (const address of addresses) {
		const cur = path.join(maildirOf(info, address), 'cur');
		for (const name of fs.readdirSync(cur)) {
			if (!/:2,[A-Z]*S/.test(name)) continue;
			const tag = /Message-ID: <(m-[^@]+)@/.exec(fs.readFileSync(path.join(cur, name), 'latin1'))?.[1];
			if (tag) tags.add(tag);
		}
	}
	return tags;
}

const logSize = (info) => fs.statSync(path.join(info.base, 'dovecot.log')).size;

module.exports = { OURS, OURS_INSTANT, BUILTIN, sqlite, processStats, logins, markedRead, logSize };
