import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ImapFlow } from 'imapflow';

import type { MailAccount } from '../../nodes/mail';
import { imapSessions } from '../helpers/servers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mailServers = require('../../scripts/lib/mailServers.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

interface Started {
	info: { base: string; ports: Record<string, number>; password: string; caFile: string; dovecotConf: string };
	stop(): Promise<void>;
}

/** A port nothing listens on right now, picked by the kernel. */
async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** The master has exited (gone, or a zombie nobody reaps). */
function exited(pid: number): boolean {
	try {
		return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return true;
	}
}

/**
 * A Dovecot of its own (own base directory, own ports, own self-signed certificate), so that a test
 * can stop and restart it mid-cycle, or change a folder's UIDVALIDITY, without touching the
 * instance every other test file shares.
 */
export interface PrivateDovecot {
	base: string;
	ports: { imap: number; imaps: number; lmtp: number; sasl: number };
	/** This instance's certificate: a CA the shared tests do not trust. */
	caFile: string;
	password: string;
	stop(): void;
	start(): Promise<void>;
	/** Stops and removes everything. */
	close(): Promise<void>;
	account(address: string, overrides?: Partial<MailAccount>): MailAccount;
	credentials(address: string, overrides?: Record<string, unknown>): Record<string, unknown>;
	append(address: string, raws: Array<string | Buffer>, folder?: string): Promise<void>;
	/** Gives the folder a new UIDVALIDITY in place: the mail stays, its UIDs start a new life. */
	changeUidValidity(address: string, folder: string): void;
	imap<T>(address: string, work: (client: ImapFlow) => Promise<T>): Promise<T>;
	/** IMAP sessions this Dovecot has open for the address right now. */
	sessions(address: string): number;
	/** As stop(), waiting without blocking: clients in this process (a proxy) keep running meanwhile. */
	halt(): Promise<void>;
}

export async function startPrivateDovecot(): Promise<PrivateDovecot> {
	const base = mkdtempSync(join(tmpdir(), 'mailbox-reliability-'));
	const ports = {
		imap: await freePort(),
		imaps: await freePort(),
		lmtp: await freePort(),
		sasl: await freePort(),
		smtp: 0,
	};
	const started = (await mailServers.startMailServers({ base, ports, smtp: false })) as Started;
	const { dovecotConf, password, caFile } = started.info;
	const pidFile = join(base, 'dovecot', 'run', 'master.pid');
	let uidValidity = Math.floor(Date.now() / 1000);

	const dovecot: PrivateDovecot = {
		base,
		ports,
		caFile,
		password,
		stop() {
			const pid = Number(readFileSync(pidFile, 'utf8').trim());
			process.kill(pid, 'SIGTERM');
			// Wait for the listeners to go: the master exits after its children.
			const deadline = Date.now() + 5000;
			while (Date.now() < deadline && !exited(pid)) execFileSync('sleep', ['0.05']);
		},
		async start() {
			const log = openSync(join(base, 'dovecot.start.log'), 'a');
			// A master that has just exited can still be a zombie for a moment: Dovecot then says
			// "already running" and is tried again.
			for (let attempt = 0; ; attempt++) {
				try {
					execFileSync('dovecot', ['-c', dovecotConf], { stdio: ['ignore', log, log] });
					break;
				} catch (error) {
					if (attempt >= 50) throw error;
					await new Promise((resolve) => setTimeout(resolve, 200));
				}
			}
			closeSync(log);
			await Promise.all([processes.waitForPort(ports.imap), processes.waitForPort(ports.imaps)]);
		},
		async close() {
			await started.stop();
			rmSync(base, { recursive: true, force: true });
		},
		account(address, overrides = {}) {
			return {
				emailAddress: address,
				username: address,
				password,
				imapHost: '127.0.0.1',
				imapPort: ports.imap,
				imapSecurity: 'none',
				smtpHost: '127.0.0.1',
				smtpPort: 1,
				smtpSecurity: 'none',
				connectTimeoutMs: 5000,
				...overrides,
			};
		},
		credentials(address, overrides = {}) {
			const { connectTimeoutMs: _timeout, ...fields } = dovecot.account(address);
			return { ...fields, allowUnauthorizedCerts: false, ...overrides };
		},
		async imap(address, work) {
			const client = new ImapFlow({
				host: '127.0.0.1',
				port: ports.imap,
				secure: false,
				doSTARTTLS: false,
				auth: { user: address, pass: password },
				logger: false,
			});
			client.on('error', () => undefined);
			await client.connect();
			try {
				return await work(client);
			} finally {
				await client.logout().catch(() => client.close());
			}
		},
		async append(address, raws, folder = 'INBOX') {
			await dovecot.imap(address, async (client) => {
				if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => undefined);
				for (const raw of raws) await client.append(folder, raw);
			});
		},
		sessions: (address) => imapSessions(address, dovecotConf),
		async halt() {
			const pid = Number(readFileSync(pidFile, 'utf8').trim());
			process.kill(pid, 'SIGTERM');
			const deadline = Date.now() + 15_000;
			while (Date.now() < deadline && !exited(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
		},
		changeUidValidity(address, folder) {
			uidValidity++;
			execFileSync(
				'doveadm',
				['-c', dovecotConf, 'mailbox', 'update', '-u', address, '--uid-validity', String(uidValidity), folder],
				{ stdio: 'ignore' },
			);
		},
	};
	return dovecot;
}
