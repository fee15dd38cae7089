import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { oauth2MailFields } from './mailServerFields';

/** Microsoft 365 / Outlook.com over IMAP and SMTP with OAuth2: the only sign-in they still accept. */
export class MailboxMicrosoftOAuth2Api implements ICredentialType {
	name = 'mailboxMicrosoftOAuth2Api';

	extends = ['microsoftOAuth2Api'];

	displayName = 'Mailbox Microsoft 365 OAuth2 API';

	icon: Icon = { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-mailbox#oauth2-gmail-and-microsoft-365';

	properties: INodeProperties[] = oauth2MailFields(
		'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access',
		{
			imapHost: 'outlook.office365.com',
			imapPort: 993,
			imapSecurity: 'tls',
			smtpHost: 'smtp.office365.com',
			smtpPort: 587,
			smtpSecurity: 'starttls',
		},
	);
}
