import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

const securityOptions = [
	{ name: 'TLS (Implicit, Port 993 / 465)', value: 'tls' },
	{ name: 'STARTTLS (Port 143 / 587)', value: 'starttls' },
	{ name: 'None (Plain Text, Trusted Networks Only)', value: 'none' },
];

export class EmailCredentials implements ICredentialType {
	name = 'emailCredentials';

	displayName = 'Mailbox (IMAP/SMTP)';

	icon: Icon = { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-mailbox#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Email Address',
			name: 'emailAddress',
			type: 'string',
			placeholder: 'soc@example.com',
			default: '',
			required: true,
			description: 'Address of the mailbox. Default From of sent mail, and part of the trigger\'s event name.',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			description: 'Login for IMAP and SMTP, often the email address',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Password or app password',
			hint: 'Gmail and Microsoft 365 with two-factor sign-in need an app password here',
		},
		{
			displayName: 'IMAP Host',
			name: 'imapHost',
			type: 'string',
			placeholder: 'imap.example.com',
			default: '',
			required: true,
		},
		{
			displayName: 'IMAP Port',
			name: 'imapPort',
			type: 'number',
			default: 993,
			hint: 'Usually 993 with TLS, 143 with STARTTLS',
		},
		{
			displayName: 'IMAP Security',
			name: 'imapSecurity',
			type: 'options',
			options: securityOptions,
			default: 'tls',
			description: 'STARTTLS fails when the server cannot upgrade the connection; it never falls back to plain text',
		},
		{
			displayName: 'SMTP Host',
			name: 'smtpHost',
			type: 'string',
			placeholder: 'smtp.example.com',
			default: '',
			required: true,
		},
		{
			displayName: 'SMTP Port',
			name: 'smtpPort',
			type: 'number',
			default: 465,
			hint: 'Usually 465 with TLS, 587 with STARTTLS',
		},
		{
			displayName: 'SMTP Security',
			name: 'smtpSecurity',
			type: 'options',
			options: securityOptions,
			default: 'tls',
			description: 'STARTTLS fails when the server cannot upgrade the connection; it never falls back to plain text',
		},
		{
			displayName: 'SMTP Username',
			name: 'smtpUsername',
			type: 'string',
			default: '',
			description: 'Leave empty to use the username above',
		},
		{
			displayName: 'SMTP Password',
			name: 'smtpPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Leave empty to use the password above',
		},
		{
			displayName: 'Allow Unauthorized Certificates',
			name: 'allowUnauthorizedCerts',
			type: 'boolean',
			default: false,
			description: 'Whether to connect even if the server\'s TLS certificate cannot be verified. Only for servers you control.',
		},
		{
			displayName: 'Proxy Address',
			name: 'proxyAddress',
			type: 'string',
			placeholder: 'socks5://proxy.example.com:1080',
			default: '',
			description: 'SOCKS or HTTP proxy for both IMAP and SMTP, e.g. socks5://host:1080 or http://host:3128',
			hint: 'Leave empty to connect directly',
		},
		{
			displayName: 'Proxy Username',
			name: 'proxyUsername',
			type: 'string',
			default: '',
		},
		{
			displayName: 'Proxy Password',
			name: 'proxyPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
	];
}
