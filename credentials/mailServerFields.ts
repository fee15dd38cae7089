import type { INodeProperties } from 'n8n-workflow';

export const securityOptions = [
	{ name: 'TLS (Implicit, Port 993 / 465)', value: 'tls' },
	{ name: 'STARTTLS (Port 143 / 587)', value: 'starttls' },
	{ name: 'None (Plain Text, Trusted Networks Only)', value: 'none' },
];

interface ServerDefaults {
	imapHost: string;
	imapPort: number;
	imapSecurity: string;
	smtpHost: string;
	smtpPort: number;
	smtpSecurity: string;
}

/** Host, port and security fields of IMAP and SMTP, with a provider's defaults. */
export function mailServerFields(defaults: ServerDefaults): INodeProperties[] {
	const security = (service: string, value: string): INodeProperties => ({
		displayName: `${service} Security`,
		name: `${service.toLowerCase()}Security`,
		type: 'options',
		options: securityOptions,
		default: value,
		description: 'STARTTLS fails when the server cannot upgrade the connection; it never falls back to plain text',
	});
	return [
		{
			displayName: 'IMAP Host',
			name: 'imapHost',
			type: 'string',
			placeholder: 'imap.example.com',
			default: defaults.imapHost,
			required: true,
		},
		{
			displayName: 'IMAP Port',
			name: 'imapPort',
			type: 'number',
			default: defaults.imapPort,
			hint: 'Usually 993 with TLS, 143 with STARTTLS',
		},
		security('IMAP', defaults.imapSecurity),
		{
			displayName: 'SMTP Host',
			name: 'smtpHost',
			type: 'string',
			placeholder: 'smtp.example.com',
			default: defaults.smtpHost,
			required: true,
		},
		{
			displayName: 'SMTP Port',
			name: 'smtpPort',
			type: 'number',
			default: defaults.smtpPort,
			hint: 'Usually 465 with TLS, 587 with STARTTLS',
		},
		security('SMTP', defaults.smtpSecurity),
	];
}

/** Certificate and proxy settings, the same for every sign-in method. */
export const connectionFields: INodeProperties[] = [
	{
		displayName: 'Allow Unauthorized Certificates',
		name: 'allowUnauthorizedCerts',
		type: 'boolean',
		default: false,
		description:
			"Whether to connect even if the server's TLS certificate cannot be verified. Only for servers " + 'you control.',
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
	{ displayName: 'Proxy Username', name: 'proxyUsername', type: 'string', default: '' },
	{
		displayName: 'Proxy Password',
		name: 'proxyPassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
	},
];

export const emailAddressField: INodeProperties = {
	displayName: 'Email Address',
	name: 'emailAddress',
	type: 'string',
	placeholder: 'soc@example.com',
	default: '',
	required: true,
	description: "Address of the mailbox. Default From of sent mail, and part of the trigger's event name.",
};

/**
 * The fields of an OAuth2 mail credential: the scope n8n's OAuth2 flow asks for (hidden), the address,
 * the provider's servers and the connection options. The credential classes stay one per provider, each
 * with its own name, display name and the n8n OAuth2 credential it extends.
 */
export function oauth2MailFields(scope: string, servers: ServerDefaults): INodeProperties[] {
	return [
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: scope },
		emailAddressField,
		...mailServerFields(servers),
		...connectionFields,
	];
}
