import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { oauth2MailFields } from './mailServerFields';

/** Gmail / Google Workspace over IMAP and SMTP with OAuth2 (n8n runs the consent flow). */
export class MailboxGoogleOAuth2Api implements ICredentialType {
	name = 'mailboxGoogleOAuth2Api';

	extends = ['googleOAuth2Api'];

	displayName = 'Mailbox Google OAuth2 API';

	icon: Icon = { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' };

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-mailbox#oauth2-gmail-and-microsoft-365';

	properties: INodeProperties[] = oauth2MailFields('https://mail.google.com/', {
		imapHost: 'imap.gmail.com',
		imapPort: 993,
		imapSecurity: 'tls',
		smtpHost: 'smtp.gmail.com',
		smtpPort: 465,
		smtpSecurity: 'tls',
	});
}
