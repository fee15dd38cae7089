import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { connectionFields, emailAddressField, mailServerFields } from './mailServerFields';

export class EmailCredentials implements ICredentialType {
	name = 'emailCredentials';

	displayName = 'Mailbox (IMAP/SMTP)';

	icon: Icon = { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-mailbox#credentials';

	properties: INodeProperties[] = [
		emailAddressField,
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
		...mailServerFields({
			imapHost: '',
			imapPort: 993,
			imapSecurity: 'tls',
			smtpHost: '',
			smtpPort: 465,
			smtpSecurity: 'tls',
		}),
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
		...connectionFields,
	];
}
