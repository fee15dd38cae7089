/**
 * Input the folder and message-management operations refuse before any connection is made: each
 * refusal names the field and says what to write instead. The account points at a closed port, so
 * a check that let bad input through would fail with a connection error instead.
 */
import {
	appendMessage,
	copyMessage,
	createFolder,
	deleteFolder,
	renameFolder,
	searchMessages,
	setMessageLabels,
	type MailAccount,
} from '../../nodes/mail';

const account: MailAccount = {
	emailAddress: 'soc@example.test',
	username: 'soc@example.test',
	password: 'unused',
	imapHost: '127.0.0.1',
	imapPort: 1,
	imapSecurity: 'none',
	smtpHost: '127.0.0.1',
	smtpPort: 1,
	smtpSecurity: 'none',
	connectTimeoutMs: 1000,
};

const message = Buffer.from('Subject: x\r\n\r\nbody\r\n');

it.each([
	['an empty path', () => createFolder(account, '  '), /Path is empty/],
	['a path with a line break', () => createFolder(account, 'Cases\r\nA1 DELETE INBOX'), /Path contains a line break/],
	['renaming INBOX', () => renameFolder(account, 'inbox', 'Old'), /INBOX cannot be renamed/],
	['an empty new path', () => renameFolder(account, 'Cases', ''), /New Path is empty/],
	['deleting INBOX, even with force', () => deleteFolder(account, 'INBOX', { force: true }), /INBOX is never deleted/],
	[
		'a copy without destination',
		() => copyMessage(account, { folder: 'INBOX', uid: '1', destination: ' ' }),
		/Destination Folder is empty/,
	],
	[
		'a flag with a space',
		() => appendMessage(account, { folder: 'INBOX', message, flags: '\\Seen, two words' }),
		/Flags: "two words"/,
	],
	[
		'\\Recent as a flag',
		() => appendMessage(account, { folder: 'INBOX', message, flags: '\\Recent' }),
		/Flags: "\\Recent"/,
	],
	[
		'an empty message',
		() => appendMessage(account, { folder: 'INBOX', message: Buffer.alloc(0) }),
		/message to append is empty/,
	],
	[
		'a date that is none',
		() => appendMessage(account, { folder: 'INBOX', message, date: 'tomorrow' }),
		/Date "tomorrow" is not a date/,
	],
	[
		'a label with a quote',
		() => setMessageLabels(account, { folder: 'INBOX', uid: '1', addLabels: 'a"b' }),
		/Add Labels: "a"b"/,
	],
	[
		'a keyword with a space',
		() => searchMessages(account, { folder: 'INBOX', keyword: 'two words' }),
		/Keyword: "two words"/,
	],
	[
		'a Gmail query with a line break',
		() => searchMessages(account, { folder: 'INBOX', gmailQuery: 'a\nb' }),
		/Gmail Query filter contains a line break/,
	],
])('refuses %s before connecting', async (_case, call, reason) => {
	await expect(call()).rejects.toThrow(reason);
});
