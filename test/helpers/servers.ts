import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ImapFlow } from 'imapflow';

import type { MailAccount } from '../../nodes/mail';

const { accountOf } = require('../../bench/lib') as {
	accountOf: (info: ServerInfo, address: string) => MailAccount;
};

export interface ServerInfo {
	base: string;
	host: string;
	ports: { imap: number; imaps: number; lmtp: number; sasl: number; smtp: number };
	domain: string;
	password: string;
	caFile: string;
	oauth: { issuer: string; hs256Key: string; mechanisms: string[] };
	dovecotConf: string;
	smtp: string;
}

let cached: ServerInfo | undefined;

/** How to reach the Dovecot and Postfix started by the jest global setup. */
export function servers(): ServerInfo {
	if (!cached) {
		const file = process.env.MAILBOX_TEST_SERVERS;
		if (!file)
			throw new Error(
				'MAILBOX_TEST_SERVERS is not set: run the tests through jest (npm test), whose global setup starts the mail servers.',
			);
		cached = JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
	}
	return cached;
}

export function ca(): Buffer {
	return readFileSync(servers().caFile);
}

/** A fresh mailbox address: every test gets its own user, so no test sees another's mail. */
export function newMailbox(prefix = 'user'): string {
	return `${prefix}-${randomBytes(4).toString('hex')}@${servers().domain}`;
}

/** Credentials-shaped settings for a test user: IMAPS and SMTP with STARTTLS, trusting the test CA. */
export function accountFor(address: string, overrides: Partial<MailAccount> = {}): MailAccount {
	return { ...accountOf(servers(), address), connectTimeoutMs: 5000, ...overrides };
}

/** The same settings as `emailCredentials` data, for nodes run through a context. */
export function credentialsFor(address: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
	const account = accountFor(address);
	return {
		emailAddress: account.emailAddress,
		username: account.username,
		password: account.password,
		imapHost: account.imapHost,
		imapPort: account.imapPort,
		imapSecurity: account.imapSecurity,
		smtpHost: account.smtpHost,
		smtpPort: account.smtpPort,
		smtpSecurity: account.smtpSecurity,
		allowUnauthorizedCerts: false,
		...overrides,
	};
}

/** OAuth2 credential data (as n8n stores it after the consent flow) for a test user: a token, no password. */
export function oauthCredentialsFor(
	address: string,
	oauthTokenData: Record<string, unknown>,
	overrides: Record<string, unknown> = {},
): Record<string, unknown> {
	const { username: _username, password: _password, ...fields } = credentialsFor(address);
	return { ...fields, oauthTokenData, ...overrides };
}

/** Opens an independent IMAP session as `address`, for checking what the nodes did. */
export async function openMailbox<T>(address: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
	const info = servers();
	const client = new ImapFlow({
		host: info.host,
		port: info.ports.imaps,
		secure: true,
		auth: { user: address, pass: info.password },
		tls: { ca: ca() },
		logger: false,
	});
	client.on('error', () => undefined);
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.logout().catch(() => client.close());
	}
}

export interface StoredMessage {
	uid: number;
	source: Buffer;
	flags: Set<string>;
}

/** Waits until `folder` of `address` holds at least `count` messages, then returns them all. */
export async function waitForMessages(
	address: string,
	count: number,
	{ folder = 'INBOX', timeoutMs = 15000 } = {},
): Promise<StoredMessage[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const messages = await openMailbox(address, async (client) => {
			const lock = await client.getMailboxLock(folder);
			try {
				const found: StoredMessage[] = [];
				if ((client.mailbox && typeof client.mailbox !== 'boolean' ? client.mailbox.exists : 0) === 0) return found;
				for await (const message of client.fetch('1:*', { uid: true, source: true, flags: true })) {
					found.push({ uid: message.uid, source: message.source as Buffer, flags: message.flags ?? new Set() });
				}
				return found;
			} finally {
				lock.release();
			}
		});
		if (messages.length >= count) return messages;
		if (Date.now() > deadline)
			throw new Error(`${address} ${folder} has ${messages.length} messages, expected ${count} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Puts raw messages into a folder (created when missing) and returns their UIDs. */
export async function appendMessages(
	address: string,
	raws: Array<Buffer | string>,
	{ folder = 'INBOX', flags = [] as string[], date }: { folder?: string; flags?: string[]; date?: Date } = {},
): Promise<number[]> {
	return openMailbox(address, async (client) => {
		if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => undefined);
		const uids: number[] = [];
		for (const raw of raws) {
			const result = await client.append(folder, raw, flags, date);
			uids.push(result && typeof result !== 'boolean' && result.uid ? result.uid : 0);
		}
		return uids;
	});
}

/** IMAP sessions Dovecot has open for `address` right now (`doveadm who`), to tell that a client closed its connections. */
export function imapSessions(address: string, dovecotConf = servers().dovecotConf): number {
	const output = execFileSync('doveadm', ['-c', dovecotConf, 'who', '-1', address], { encoding: 'utf8' });
	return output.split('\n').filter((line) => line.startsWith(`${address} `) && /\bimap\b/.test(line)).length;
}
