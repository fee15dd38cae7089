import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import tls from 'node:tls';

import type { ImapFlow } from 'imapflow';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pingAccount, sendMail, withImap, type MailAccount } from '../../nodes/mail';
import { refreshFrom, signToken, startMockOAuthProvider, type MockOAuthProvider } from '../helpers/oauth';
import type { ICredentialsDecrypted, ICredentialTestFunctions } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { emailConnectionTest } from '../../nodes/shared/credentials';
import { runNode } from '../helpers/nodeContext';
import { triggerHarness } from '../helpers/pollContext';
import {
	accountFor,
	appendMessages,
	newMailbox,
	oauthCredentialsFor,
	servers,
	waitForMessages,
} from '../helpers/servers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startMailServers } = require('../../scripts/lib/mailServers.js');

/** The CAPABILITY line a client sees before logging in (imapflow only keeps the one after). */
function preLoginCapabilities(port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
			socket.write('a CAPABILITY\r\n'),
		);
		let text = '';
		socket.on('data', (chunk) => {
			text += chunk.toString();
			if (/\r\na OK/.test(text)) {
				socket.end();
				resolve(text);
			}
		});
		socket.on('error', reject);
	});
}

async function inboxCount(client: ImapFlow): Promise<number | undefined> {
	const status = await client.status('INBOX', { messages: true });
	return status ? status.messages : undefined;
}

function oauthAccount(address: string, token: string, overrides: Partial<MailAccount> = {}): MailAccount {
	return accountFor(address, { password: '', accessToken: token, ...overrides });
}

describe('OAuth2 login (XOAUTH2 / OAUTHBEARER)', () => {
	let provider: MockOAuthProvider;

	beforeAll(async () => {
		provider = await startMockOAuthProvider();
	});

	afterAll(async () => {
		await provider.close();
	});

	it('logs in to IMAP and SMTP with a good token and sends mail', async () => {
		const [user, to] = [newMailbox('oauth'), newMailbox('to')];
		const account = oauthAccount(user, signToken(user));
		expect(await pingAccount(account)).toMatchObject({ is_succeed: true });
		const sent = await sendMail(account, { recipients: to, subject: 'sent with a token', content: 'hi' });
		expect(sent.is_success).toBe(true);
		await waitForMessages(to, 1);
	});

	it('refreshes an expired token once and succeeds', async () => {
		const user = newMailbox('oauth');
		const refreshToken = provider.issueRefreshToken(user);
		let refreshes = 0;
		const account = oauthAccount(user, signToken(user, { expiresInSeconds: -60 }), {
			refreshAccessToken: async () => {
				refreshes++;
				return refreshFrom(provider, refreshToken);
			},
		});
		const inbox = await withImap(account, async (client) => inboxCount(client));
		expect(inbox).toBe(0);
		expect(refreshes).toBe(1);
		// The refreshed token is kept: SMTP now logs in without another refresh.
		expect(await pingAccount(account)).toMatchObject({ is_succeed: true });
		expect(refreshes).toBe(1);
	});

	it('tells the user to reconnect the credential when the refresh token is revoked', async () => {
		const user = newMailbox('oauth');
		const refreshToken = provider.issueRefreshToken(user);
		provider.revoke(refreshToken);
		const account = oauthAccount(user, signToken(user, { expiresInSeconds: -60 }), {
			refreshAccessToken: () => refreshFrom(provider, refreshToken),
		});
		const result = await pingAccount(account);
		expect(result.is_succeed).toBe(false);
		expect(result.imap).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
		expect(result.imap.error).toMatch(
			/could not be refreshed \(Token has been expired or revoked\.\): reconnect the credential/,
		);
		expect(result.smtp.error).toMatch(/reconnect the credential/);
	});

	it('refuses a token issued for another user, and keeps it out of the error', async () => {
		const [user, other] = [newMailbox('oauth'), newMailbox('other')];
		const token = signToken(other);
		const result = await pingAccount(oauthAccount(user, token));
		expect(result.imap).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
		expect(result.smtp).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
		expect(JSON.stringify(result)).not.toContain(token);
	});

	it('runs a read operation and a trigger poll with a token, chosen by the authentication parameter', async () => {
		const user = newMailbox('oauth');
		const credentials = oauthCredentialsFor(user, { access_token: signToken(user), token_type: 'Bearer' });
		const raw =
			'From: a@example.test\r\nTo: b@example.test\r\nSubject: token read\r\nMessage-ID: <token-read@example.test>\r\n\r\nbody\r\n';
		await appendMessages(user, [raw]);

		const [[eml]] = await runNode(new Email(), {
			parameters: {
				authentication: 'googleOAuth2',
				operation: 'getEml',
				folder: 'INBOX',
				messageId: 'token-read@example.test',
				base64Encode: true,
			},
			credentials,
		});
		expect(eml.json).toMatchObject({ message_id: '<token-read@example.test>', email_uid: 1 });

		const trigger = triggerHarness({ credentials, parameters: { authentication: 'microsoftOAuth2' } });
		const items = await trigger.poll();
		expect(items.map((item) => item.json.subject)).toEqual(['token read']);

		// The credential's Test button, for a connected OAuth2 credential and for another user's token.
		const test = (data: object) =>
			emailConnectionTest.call(
				{} as ICredentialTestFunctions,
				{ id: 'c', name: 'c', type: 'mailboxGoogleOAuth2Api', data } as ICredentialsDecrypted,
			);
		expect(await test(credentials)).toMatchObject({ status: 'OK' });
		const wrong = await test({ ...credentials, oauthTokenData: { access_token: signToken(newMailbox('other')) } });
		expect(wrong.status).toBe('Error');
		expect(wrong.message).toMatch(/IMAP: .*rejected the login.*SMTP: .*rejected the login/);
	});

	it('logs in to a server that offers XOAUTH2 only, as Microsoft 365 does', async () => {
		const base = mkdtempSync(join(tmpdir(), 'mailbox-xoauth2-only-'));
		const offset = servers().ports.imap + 40;
		const ports = { imap: offset, imaps: offset + 1, lmtp: offset + 2, sasl: offset + 3, smtp: offset + 4 };
		const instance = await startMailServers({ base, ports, oauthMechanisms: ['xoauth2'], smtp: false });
		try {
			const user = `ms365-user@${servers().domain}`;
			const token = signToken(user, { key: instance.info.oauth.hs256Key });
			const greeting = await preLoginCapabilities(ports.imaps);
			expect(greeting).toContain('AUTH=XOAUTH2');
			expect(greeting).not.toContain('AUTH=OAUTHBEARER');
			const account = oauthAccount(user, token, { imapPort: ports.imaps, ca: readFileSync(instance.info.caFile) });
			const count = await withImap(account, async (client) => inboxCount(client));
			expect(count).toBe(0);
		} finally {
			await instance.stop();
			rmSync(base, { recursive: true, force: true });
		}
	});
});
