import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { SocksClient } from 'socks';

import type { MailAccount } from './account';
import { describeConnectionError, MailError, type MailService } from './errors';

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
		throw new MailError(
			'INVALID_INPUT',
			`Proxy address "${address}" is not a URL: write it as socks5://host:1080 or http://host:3128.`,
		);
	}
	if (!/^(socks[45]?h?|https?):$/.test(url.protocol)) {
		throw new MailError(
			'INVALID_INPUT',
			`Proxy address "${address}" uses ${url.protocol}: only socks4, socks5, http and ` +
				`https proxies are supported.`,
		);
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
		auth: account.accessToken
			? { user: account.username, accessToken: account.accessToken }
			: { user: account.username, pass: account.password },
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

// One refresh per account at a time: IMAP and SMTP logins running side by side share it.
const refreshesInFlight = new WeakMap<MailAccount, Promise<string>>();

async function refreshToken(account: MailAccount, rejectedToken: string, service?: MailService): Promise<void> {
	if (account.accessToken !== rejectedToken) return; // another login already refreshed it
	let refresh = refreshesInFlight.get(account);
	if (!refresh) {
		refresh = account.refreshAccessToken!();
		refreshesInFlight.set(account, refresh);
		refresh.then(
			() => refreshesInFlight.delete(account),
			() => refreshesInFlight.delete(account),
		);
	}
	try {
		account.accessToken = await refresh;
	} catch (refreshError) {
		const reason = (refreshError as Error).message;
		if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|connection cannot be established|timeout/i.test(reason)) {
			throw new MailError(
				'CONNECTION_FAILED',
				`The OAuth2 token expired and the token server could not be reached to refresh it ` +
					`(${reason}): check the network and the credential's Access Token URL.`,
				{ service, cause: refreshError },
			);
		}
		throw new MailError(
			'AUTH_FAILED',
			`The OAuth2 token was rejected and could not be refreshed (${reason}): reconnect the credential in n8n.`,
			{ service, cause: refreshError },
		);
	}
}

/**
 * Runs a login attempt; when an OAuth2 token is rejected, gets a fresh one once and tries again.
 * Only the login is repeated: nothing has been read or sent when authentication fails.
 */
export async function withTokenRefresh<T>(account: MailAccount, attempt: () => Promise<T>): Promise<T> {
	const tokenUsed = account.accessToken;
	try {
		return await attempt();
	} catch (error) {
		if (!(error instanceof MailError) || error.code !== 'AUTH_FAILED' || !tokenUsed || !account.refreshAccessToken)
			throw error;
		await refreshToken(account, tokenUsed, error.service);
		try {
			return await attempt();
		} catch (retryError) {
			if (retryError instanceof MailError && retryError.code === 'AUTH_FAILED') {
				throw new MailError(
					'AUTH_FAILED',
					`${retryError.message.replace(/: check the username.*$/, '')} even with a freshly ` +
						`refreshed OAuth2 token: check that the credential's email address is the mailbox ` +
						`the token was issued for and that IMAP/SMTP access is enabled for it, then reconnect ` +
						`the credential.`,
					{ service: retryError.service, cause: retryError },
				);
			}
			throw retryError;
		}
	}
}

/** Connects and logs in; a failure comes back as a MailError that names the step that failed. */
export async function connectImap(account: MailAccount): Promise<ImapFlow> {
	return withTokenRefresh(account, () => openImap(account));
}

async function openImap(account: MailAccount): Promise<ImapFlow> {
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

/**
 * A connection lost in the middle of the work, said plainly rather than as a library's bare "Connection not
 * available".
 */
export function connectionLost(error: unknown, account: MailAccount): MailError {
	const { service, host, port } = imapEndpoint(account);
	const reason = (error as Error).message || String(error);
	return new MailError(
		'CONNECTION_FAILED',
		`The connection to the ${service} server ${host}:${port} was lost in the middle ` +
			`of the operation (${reason}): run it again; if it keeps happening, check the network ` +
			`to the server.`,
		{ service, cause: error },
	);
}

/** The time budget of an operation that reads mail, when its options do not set one. */
export const DEFAULT_READ_TIMEOUT_SECONDS = 120;

/**
 * How long one operation (or one step of a long wait) may take in all, connecting and logging in
 * included, and what a user changes to give it more time: the error names it.
 */
export interface TimeBudget {
	timeoutMs: number;
	/** The option that sets it, e.g. 'Timeout Seconds'. */
	setting: string;
}

/** A budget of `seconds` (the default when unset), checked: a mistake is an error that names the setting. */
export function timeBudget(
	seconds: unknown,
	setting: string,
	fallbackSeconds = DEFAULT_READ_TIMEOUT_SECONDS,
): TimeBudget {
	const value = seconds === undefined || seconds === null || seconds === '' ? fallbackSeconds : Number(seconds);
	if (!Number.isFinite(value) || value <= 0)
		throw new MailError(
			'INVALID_INPUT',
			`The option "${setting}" must be a number of seconds above 0, e.g. ${fallbackSeconds}.`,
		);
	return { timeoutMs: Math.round(value * 1000), setting };
}

/** The account with no single network wait (connect, greeting, silence on the socket) longer than `ms`. */
export function boundedAccount(account: MailAccount, ms: number): MailAccount {
	return {
		...account,
		connectTimeoutMs: Math.min(account.connectTimeoutMs ?? ms, ms),
		socketTimeoutMs: Math.min(account.socketTimeoutMs ?? ms, ms),
	};
}

function budgetExceeded(account: MailAccount, budget: TimeBudget): MailError {
	const { service, host, port } = imapEndpoint(account);
	const seconds = Math.round(budget.timeoutMs / 100) / 10;
	return new MailError(
		'TIMEOUT',
		`The ${service} server ${host}:${port} did not finish answering within ${seconds} ` +
			`seconds, so the connection was closed: if the server is only slow or the mail is ` +
			`large, raise the option "${budget.setting}"; otherwise check the server and the ` +
			`network to it.`,
		{ service },
	);
}

/**
 * Runs `step` against the budget. When time runs out first, `expired` fires (a step closes its
 * session on it, see closeOnExpiry, so whatever waits on a silent server fails at once) and the
 * call fails with TIMEOUT right then, whatever the step is still doing.
 */
export async function withinBudget<T>(
	account: MailAccount,
	budget: TimeBudget,
	step: (expired: AbortSignal) => Promise<T>,
): Promise<T> {
	const expiry = new AbortController();
	let fail: (error: MailError) => void = () => undefined;
	const timedOut = new Promise<never>((_, reject) => (fail = reject));
	const timer = setTimeout(() => {
		expiry.abort();
		fail(budgetExceeded(account, budget));
	}, budget.timeoutMs);
	try {
		return await Promise.race([step(expiry.signal), timedOut]);
	} finally {
		clearTimeout(timer);
	}
}

/** Closes `client` once `expired` fires (at once when it already has). */
export function closeOnExpiry(client: ImapFlow, expired: AbortSignal): void {
	if (expired.aborted) client.close();
	else expired.addEventListener('abort', () => client.close(), { once: true });
}

/**
 * Runs `work` on a logged-in IMAP session and always logs out, whatever happens inside. With a
 * budget, the whole of it (connect and login included) ends by the budget: a server that stops
 * answering gives a TIMEOUT error that names the setting to raise, never a wait of minutes.
 */
export async function withImap<T>(
	account: MailAccount,
	work: (client: ImapFlow) => Promise<T>,
	budget?: TimeBudget,
): Promise<T> {
	if (!budget) return runOnImap(account, work);
	return withinBudget(account, budget, (expired) =>
		runOnImap(boundedAccount(account, budget.timeoutMs), async (client) => {
			closeOnExpiry(client, expired);
			if (expired.aborted) throw budgetExceeded(account, budget);
			return work(client);
		}),
	);
}

async function runOnImap<T>(account: MailAccount, work: (client: ImapFlow) => Promise<T>): Promise<T> {
	const client = await connectImap(account);
	try {
		return await work(client);
	} catch (error) {
		throw workFailure(client, error, account);
	} finally {
		await closeImap(client);
	}
}

/** What a failure in the middle of work on a connection is reported as: a lost connection said plainly. */
export function workFailure(client: ImapFlow, error: unknown, account: MailAccount): unknown {
	return client.usable || error instanceof MailError ? error : connectionLost(error, account);
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

/**
 * nodemailer reads `proxy` at run time; its type definitions leave it out. `pool` keeps sessions open for several
 * mails.
 */
export type SmtpOptions = SMTPTransport.Options & { proxy?: string; pool?: boolean; maxConnections?: number };

export function smtpOptions(account: MailAccount): SmtpOptions {
	const connectTimeout = account.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	return {
		host: account.smtpHost,
		port: account.smtpPort,
		secure: account.smtpSecurity === 'tls',
		requireTLS: account.smtpSecurity === 'starttls',
		ignoreTLS: account.smtpSecurity === 'none',
		auth: account.accessToken
			? { type: 'OAuth2', user: account.smtpUsername || account.username, accessToken: account.accessToken }
			: { user: account.smtpUsername || account.username, pass: account.smtpPassword || account.password },
		tls: tlsOptions(account, account.smtpHost),
		proxy: proxyUrl(account),
		connectionTimeout: connectTimeout,
		greetingTimeout: connectTimeout,
		socketTimeout: account.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
		logger: false,
		debug: false,
	};
}

export function createSmtpTransport(
	account: MailAccount,
	extra: Partial<SmtpOptions> = {},
): Transporter<SMTPTransport.SentMessageInfo> {
	const transport = nodemailer.createTransport({ ...smtpOptions(account), ...extra });
	// nodemailer speaks HTTP CONNECT itself; SOCKS needs the client library handed in.
	transport.set('proxy_socks_module', { SocksClient });
	return transport;
}

/** Opens an SMTP session, greets and authenticates, then closes it. */
export async function verifySmtp(account: MailAccount): Promise<void> {
	await withTokenRefresh(account, async () => {
		const transport = createSmtpTransport(account);
		try {
			await transport.verify();
		} catch (error) {
			throw describeConnectionError(error, smtpEndpoint(account));
		} finally {
			transport.close();
		}
	});
}
