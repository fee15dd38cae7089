import { readFileSync } from 'node:fs';

import type {
	IDataObject,
	INodeCredentialDescription,
	INodeProperties,
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	IPollFunctions,
	ILoadOptionsFunctions,
	ITriggerFunctions,
} from 'n8n-workflow';

import { pingAccount, type MailAccount, type Security } from '../mail';

function security(value: unknown, fallback: Security): Security {
	return value === 'tls' || value === 'starttls' || value === 'none' ? value : fallback;
}

/** Which credential type each `authentication` choice uses. */
const CREDENTIAL_TYPES = {
	password: 'emailCredentials',
	googleOAuth2: 'mailboxGoogleOAuth2Api',
	microsoftOAuth2: 'mailboxMicrosoftOAuth2Api',
} as const;

export type Authentication = keyof typeof CREDENTIAL_TYPES;

/** The `authentication` parameter of both nodes: saved workflows without it keep using passwords. */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Password (IMAP/SMTP Login)', value: 'password' },
		{ name: 'Google OAuth2 (Gmail)', value: 'googleOAuth2' },
		{ name: 'Microsoft 365 OAuth2', value: 'microsoftOAuth2' },
	],
	default: 'password',
};

export const mailboxCredentials: INodeCredentialDescription[] = (Object.keys(CREDENTIAL_TYPES) as Authentication[]).map(
	(authentication) => ({
		name: CREDENTIAL_TYPES[authentication],
		required: true,
		testedBy: 'emailConnectionTest',
		// Analyze Email of a file from another node reads no mailbox, so it asks for no credential.
		displayOptions: { show: { authentication: [authentication] }, hide: { source: ['binary'] } },
	}),
);

/** Credential data (password or OAuth2 type) -> the mail module's account settings. */
export function toMailAccount(data: ICredentialDataDecryptedObject): MailAccount {
	const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');
	const accessToken =
		((data.oauthTokenData as IDataObject | undefined)?.access_token as string | undefined) || undefined;
	return {
		emailAddress: text('emailAddress'),
		// With OAuth2 the mailbox address is the login.
		username: text('username') || text('emailAddress'),
		accessToken,
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

/**
 * The account of the node's chosen credential. With OAuth2, a token the server rejects is
 * refreshed once through n8n, which stores the new token in the credential.
 */
export async function getMailAccount(
	context: IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions | ITriggerFunctions,
	authentication: Authentication = 'password',
): Promise<MailAccount> {
	const credentialType = CREDENTIAL_TYPES[authentication] ?? CREDENTIAL_TYPES.password;
	const account = toMailAccount(await context.getCredentials(credentialType));
	if (authentication !== 'password') {
		account.password = '';
		account.refreshAccessToken = async () => {
			const token = (await context.helpers.refreshOAuth2Token.call(context, credentialType)) as IDataObject;
			return token.access_token as string;
		};
	}
	return account;
}

/** The credential test: logs in to IMAP and SMTP and says which one failed and why. */
export async function emailConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const result = await pingAccount(toMailAccount(credential.data ?? {}));
	if (result.is_succeed)
		return {
			status: 'OK',
			message: `IMAP and SMTP login succeeded (IMAP ${result.imap.ms} ms, SMTP ${result.smtp.ms} ms)`,
		};
	const failures = [
		result.imap.ok ? undefined : `IMAP: ${result.imap.error}`,
		result.smtp.ok ? undefined : `SMTP: ${result.smtp.error}`,
	].filter(Boolean);
	return { status: 'Error', message: failures.join(' ') };
}
