import { readFileSync } from 'node:fs';

import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	IPollFunctions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import { pingAccount, type MailAccount, type Security } from '../mail';

function security(value: unknown, fallback: Security): Security {
	return value === 'tls' || value === 'starttls' || value === 'none' ? value : fallback;
}

/** `emailCredentials` data -> the mail module's account settings. */
export function toMailAccount(data: ICredentialDataDecryptedObject): MailAccount {
	const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');
	return {
		emailAddress: text('emailAddress'),
		username: text('username'),
		// Passwords are kept exactly as typed: spaces can be part of them.
		password: (data.password as string) ?? '',
		imapHost: text('imapHost'),
		imapPort: Number(data.imapPort ?? 993),
		imapSecurity: security(data.imapSecurity, 'tls'),
		smtpHost: text('smtpHost'),
		smtpPort: Number(data.smtpPort ?? 465),
		smtpSecurity: security(data.smtpSecurity, 'tls'),
		smtpUsername: text('smtpUsername') || undefined,
		smtpPassword: (data.smtpPassword as string) || undefined,
		allowUnauthorizedCerts: data.allowUnauthorizedCerts === true,
		proxyAddress: text('proxyAddress') || undefined,
		proxyUsername: text('proxyUsername') || undefined,
		proxyPassword: (data.proxyPassword as string) || undefined,
		ca: process.env.MAILBOX_EXTRA_CA_FILE ? readCa(process.env.MAILBOX_EXTRA_CA_FILE) : undefined,
	};
}

// Private CAs come from a file on the n8n host (like NODE_EXTRA_CA_CERTS), never from workflow data.
function readCa(file: string): Buffer | undefined {
	try {
		return readFileSync(file);
	} catch {
		return undefined;
	}
}

export async function getMailAccount(context: IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions): Promise<MailAccount> {
	const data = await context.getCredentials('emailCredentials');
	return toMailAccount(data);
}

/** The credential test: logs in to IMAP and SMTP and says which one failed and why. */
export async function emailConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const result = await pingAccount(toMailAccount(credential.data ?? {}));
	if (result.is_succeed) return { status: 'OK', message: `IMAP and SMTP login succeeded (IMAP ${result.imap.ms} ms, SMTP ${result.smtp.ms} ms)` };
	const failures = [
		result.imap.ok ? undefined : `IMAP: ${result.imap.error}`,
		result.smtp.ok ? undefined : `SMTP: ${result.smtp.error}`,
	].filter(Boolean);
	return { status: 'Error', message: failures.join(' ') };
}
