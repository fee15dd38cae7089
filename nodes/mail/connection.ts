import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { SocksClient } from 'socks';

import type { MailAccount } from './account';
import { describeConnectionError, MailError } from './errors';

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 5 * 60_000;

/** `socks5://host:1080` plus separate credentials -> one URL the libraries accept. */
export function proxyUrl(account: MailAccount): string | undefined {
	const address = account.proxyAddress?.trim();
	if (!address) return undefined;
	let url: URL;
	try {
		url = new URL(address);
	} catch {
		throw new MailError('INVALID_INPUT', `Proxy address "${address}" is not a URL: write it as socks5://host:1080 or http://host:3128.`);
	}
	if (!/^(socks[45]?h?|https?):$/.test(url.protocol)) {
		throw new MailError('INVALID_INPUT', `Proxy address "${address}" uses ${url.protocol}: only socks4, socks5, http and https proxies are supported.`);
	}
	if (account.proxyUsername) url.username = encodeURIComponent(account.proxyUsername);
	if (account.proxyPassword) url.password = encodeURIComponent(account.proxyPassword);
	return url.toString();
}

function tlsOptions(account: MailAccount, host: string) {
	return {
		rejectUnauthorized: !account.allowUnauthorizedCerts,
		minVersion: 'TLSv1.2' as const,
		...(account.ca ? { ca: account.ca } : {}),
		// SNI must not be sent for an IP address.
		...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
	};
}

export function imapOptions(account: MailAccount): ImapFlowOptions {
	const connectTimeout = account.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	return {
		host: account.imapHost,
		port: account.imapPort,
		secure: account.imapSecurity === 'tls',
		// true: STARTTLS is required and never falls back to plain text; false: never attempted.
		doSTARTTLS: account.imapSecurity === 'starttls' ? true : account.imapSecurity === 'none' ? false : undefined,
		auth: { user: account.username, pass: account.password },
		tls: tlsOptions(account, account.imapHost),
		proxy: proxyUrl(account),
		logger: false,
		connectionTimeout: connectTimeout,
		greetingTimeout: connectTimeout,
		socketTimeout: account.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
		disableAutoIdle: true,
	};
}

export function imapEndpoint(account: MailAccount) {
	return { service: 'IMAP' as const, host: account.imapHost, port: account.imapPort, security: account.imapSecurity };
}

export function smtpEndpoint(account: MailAccount) {
	return { service: 'SMTP' as const, host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity };
}

/** Connects and logs in; a failure comes back as a MailError that names the step that failed. */
export async function connectImap(account: MailAccount): Promise<ImapFlow> {
	const client = new ImapFlow(imapOptions(account));
	// A dropped socket emits 'error' after connect; without a listener it would crash the process.
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		client.close();
		throw describeConnectionError(error, imapEndpoint(account));
	}
	return client;
}

/** Runs `work` on a logged-in IMAP session and always logs out, whatever happens inside. */
export async function withImap<T>(account: MailAccount, work: (client: ImapFlow) => Promise<T>): Promise<T> {
	const client = await connectImap(account);
	try {
		return await work(client);
	} finally {
		await closeImap(client);
	}
}

export async function closeImap(client: ImapFlow): Promise<void> {
	if (!client.usable) {
		client.close();
		return;
	}
	try {
		await client.logout();
	} catch {
		client.close();
	}
}

/** nodemailer reads `proxy` at run time; its type definitions leave it out. */
export type SmtpOptions = SMTPTransport.Options & { proxy?: string };

export function smtpOptions(account: MailAccount): SmtpOptions {
	const connectTimeout = account.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	return {
		host: account.smtpHost,
		port: account.smtpPort,
		secure: account.smtpSecurity === 'tls',
		requireTLS: account.smtpSecurity === 'starttls',
		ignoreTLS: account.smtpSecurity === 'none',
		auth: {
			user: account.smtpUsername || account.username,
			pass: account.smtpPassword || account.password,
		},
		tls: tlsOptions(account, account.smtpHost),
		proxy: proxyUrl(account),
		connectionTimeout: connectTimeout,
		greetingTimeout: connectTimeout,
		socketTimeout: account.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
		logger: false,
		debug: false,
	};
}

export function createSmtpTransport(account: MailAccount, extra: Partial<SmtpOptions> = {}): Transporter<SMTPTransport.SentMessageInfo> {
	const transport = nodemailer.createTransport({ ...smtpOptions(account), ...extra });
	// nodemailer speaks HTTP CONNECT itself; SOCKS needs the client library handed in.
	transport.set('proxy_socks_module', { SocksClient });
	return transport;
}

/** Opens an SMTP session, greets and authenticates, then closes it. */
export async function verifySmtp(account: MailAccount): Promise<void> {
	const transport = createSmtpTransport(account);
	try {
		await transport.verify();
	} catch (error) {
		throw describeConnectionError(error, smtpEndpoint(account));
	} finally {
		transport.close();
	}
}
