/** Machine-readable reasons the mail module fails; the node layer turns them into advice. */
export type MailErrorCode =
	| 'AUTH_FAILED'
	| 'TLS_FAILED'
	| 'STARTTLS_UNAVAILABLE'
	| 'CONNECTION_REFUSED'
	| 'HOST_NOT_FOUND'
	| 'TIMEOUT'
	| 'CONNECTION_FAILED'
	| 'INVALID_INPUT'
	| 'NOT_FOUND'
	| 'SEND_FAILED'
	/** The server lacks an extension the operation needs to be safe (e.g. UIDPLUS for a permanent delete). */
	| 'NOT_SUPPORTED';

export type MailService = 'IMAP' | 'SMTP';

export class MailError extends Error {
	readonly code: MailErrorCode;

	readonly service?: MailService;

	constructor(code: MailErrorCode, message: string, options: { service?: MailService; cause?: unknown } = {}) {
		super(message);
		this.name = 'MailError';
		this.code = code;
		this.service = options.service;
		if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
	}
}

interface Endpoint {
	service: MailService;
	host: string;
	port: number;
	security: string;
}

function errorText(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; current && depth < 4; depth++) {
		const e = current as { message?: string; code?: string; response?: string; responseText?: string };
		parts.push([e.code, e.message, e.response, e.responseText].filter(Boolean).join(' '));
		current = (current as { cause?: unknown }).cause;
	}
	return parts.join(' | ');
}

/**
 * Names the failure of a connection attempt in plain words: which server, which step (network,
 * TLS, login) and what to check. The text never contains the password: only endpoint and reason.
 */
export function describeConnectionError(error: unknown, endpoint: Endpoint): MailError {
	if (error instanceof MailError) return error;
	const where = `${endpoint.service} server ${endpoint.host}:${endpoint.port}`;
	const text = errorText(error);
	const e = error as { code?: string; authenticationFailed?: boolean; responseCode?: number };
	const make = (code: MailErrorCode, message: string) =>
		new MailError(code, message, { service: endpoint.service, cause: error });

	// imapflow flags an unreachable token server as an authentication failure too: it is not a bad login.
	if ((error as { serverResponseCode?: string }).serverResponseCode === 'UNAVAILABLE') {
		return make(
			'CONNECTION_FAILED',
			`${where} could not check the login right now (UNAVAILABLE): the mail server or ` +
				`its authentication service is down; try again later.`,
		);
	}
	if (
		e.authenticationFailed ||
		e.code === 'EAUTH' ||
		/AUTHENTICATIONFAILED|authentication failed|\b535\b|invalid credentials|login failed/i.test(text)
	) {
		return make(
			'AUTH_FAILED',
			`${where} rejected the login: check the username and password (an app password where ` +
				`the provider requires one).`,
		);
	}
	if (/STARTTLS/i.test(text) && /(not|no|unavailable|unsupported|does not|doesn't)/i.test(text)) {
		return make(
			'STARTTLS_UNAVAILABLE',
			`${where} does not offer STARTTLS, so the password was not sent: use security "tls" ` +
				`on the implicit-TLS port, or "none" only on a trusted network.`,
		);
	}
	if (/ECONNREFUSED/.test(text)) {
		return make('CONNECTION_REFUSED', `Nothing accepts connections at ${where}: check the host and port.`);
	}
	if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
		return make('HOST_NOT_FOUND', `The host name of the ${where} could not be resolved: check the host.`);
	}
	if (
		/certificate|self[- ]signed|CERT_|unable to verify|wrong version number/i.test(text) ||
		/SSL routines|ERR_SSL|EPROTO|TLS|handshake/i.test(text)
	) {
		return make(
			'TLS_FAILED',
			`TLS with ${where} failed (${conciseReason(text)}): check that security "${endpoint.security}" ` +
				`matches the port (implicit TLS on 993/465, STARTTLS on 143/587), or that the certificate ` +
				`is trusted ("Allow Unauthorized Certificates" only for servers you control).`,
		);
	}
	if (/ETIMEDOUT|timeout|timed out/i.test(text)) {
		return make(
			'TIMEOUT',
			`${where} did not answer in time: check the host, port, firewall and that the security ` +
				`mode matches the port.`,
		);
	}
	if (/ECONNRESET|socket hang up|closed|EPIPE|Unexpected close/i.test(text)) {
		return make(
			'CONNECTION_FAILED',
			`${where} closed the connection (${conciseReason(text)}): check that security "${endpoint.security}" ` +
				`matches the port.`,
		);
	}
	return make('CONNECTION_FAILED', `Could not use ${where}: ${conciseReason(text)}`);
}

function conciseReason(text: string): string {
	return text.split(' | ')[0].slice(0, 200) || 'unknown error';
}

/** Removes any secret that a server or library may have echoed into a message. */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 3) result = result.split(secret).join('********');
	}
	return result;
}
