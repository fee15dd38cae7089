/** Connection settings for one mailbox, shaped like the `emailCredentials` fields. */
export type Security = 'tls' | 'starttls' | 'none';

export interface MailAccount {
	emailAddress: string;
	username: string;
	password: string;
	imapHost: string;
	imapPort: number;
	imapSecurity: Security;
	smtpHost: string;
	smtpPort: number;
	smtpSecurity: Security;
	smtpUsername?: string;
	smtpPassword?: string;
	allowUnauthorizedCerts?: boolean;
	/** Extra trusted CA certificates (PEM), for private servers. */
	ca?: string | Buffer;
	proxyAddress?: string;
	proxyUsername?: string;
	proxyPassword?: string;
	/** OAuth2 access token: when set, IMAP and SMTP log in with it (XOAUTH2/OAUTHBEARER), not the password. */
	accessToken?: string;
	/** Returns a fresh access token; called once when a server rejects the current one. */
	refreshAccessToken?: () => Promise<string>;
	/** Milliseconds to open the TCP/TLS connection and get the greeting. */
	connectTimeoutMs?: number;
	/** Milliseconds of silence on an open connection before it is given up. */
	socketTimeoutMs?: number;
}

export function accountSecrets(account: MailAccount): string[] {
	return [account.password, account.smtpPassword, account.proxyPassword, account.accessToken].filter(
		(s): s is string => !!s,
	);
}
