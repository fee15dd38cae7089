import { rmSync } from 'node:fs';

import {
	executeWorkflow,
	importCredential,
	importWorkflow,
	mailboxNode,
	manualTrigger,
	n8nMajors,
	prepareN8n,
	type RunData,
} from '../helpers/n8n';
import { signToken, startMockOAuthProvider, type MockOAuthProvider } from '../helpers/oauth';
import { newMailbox, oauthCredentialsFor, waitForMessages } from '../helpers/servers';

jest.setTimeout(600_000);

/**
 * Microsoft 365 OAuth2 credential data as n8n stores it after the consent flow, pointing at the
 * local token endpoint (its token URL is an ordinary field, as tenants need; Google's is fixed).
 */
function microsoftCredential(address: string, provider: MockOAuthProvider, accessToken: string, refreshToken: string) {
	return oauthCredentialsFor(
		address,
		{ access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: 3600 },
		{
			clientId: 'test-client',
			clientSecret: 'test-client-secret',
			accessTokenUrl: provider.tokenUrl,
			authUrl: `${provider.url}/authorize`,
			authentication: 'body',
			grantType: 'authorizationCode',
			clientCredentialType: 'clientSecret',
		},
	);
}

function firstOutput(run: RunData, node: string) {
	const runs = run.data.resultData.runData[node];
	return { error: runs?.[0]?.error?.message, json: runs?.[0]?.data?.main[0]?.[0]?.json };
}

describe.each(n8nMajors())('OAuth2 in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;
	let provider: MockOAuthProvider;

	beforeAll(async () => {
		setup = prepareN8n(major);
		provider = await startMockOAuthProvider();
	});

	afterAll(async () => {
		await provider?.close();
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	/** Manual Trigger -> Ping, and -> Send when a recipient is given. */
	function workflow(id: string, credentialId: string, recipient?: string) {
		const parameters = { authentication: 'microsoftOAuth2' };
		return {
			id,
			name: `OAuth2 ${id}`,
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode('Ping', credentialId, { ...parameters, operation: 'ping' }, [200, 0], 'mailboxMicrosoftOAuth2Api'),
				...(recipient
					? [
							mailboxNode(
								'Send',
								credentialId,
								{
									...parameters,
									operation: 'send',
									recipients: recipient,
									subject: `oauth ${id}`,
									content: 'sent with a refreshed token',
									options: {},
								},
								[400, 0],
								'mailboxMicrosoftOAuth2Api',
							),
						]
					: []),
			],
			connections: {
				Start: { main: [[{ node: 'Ping', type: 'main', index: 0 }]] },
				...(recipient ? { Ping: { main: [[{ node: 'Send', type: 'main', index: 0 }]] } } : {}),
			},
			settings: {},
		};
	}

	it('refreshes an expired token once through n8n, then pings and sends', async () => {
		const { n8n, userFolder } = setup;
		const [user, recipient] = [newMailbox('oauth-n8n'), newMailbox('to')];
		const refreshToken = provider.issueRefreshToken(user);
		importCredential(
			n8n,
			userFolder,
			`oauthGood${major}00001`,
			microsoftCredential(user, provider, signToken(user, { expiresInSeconds: -60 }), refreshToken),
			'mailboxMicrosoftOAuth2Api',
		);
		importWorkflow(n8n, userFolder, workflow(`oauthWfGood${major}001`, `oauthGood${major}00001`, recipient));
		const before = provider.refreshCount();
		const run = await executeWorkflow(n8n, userFolder, `oauthWfGood${major}001`);
		expect(firstOutput(run, 'Ping')).toEqual({ error: undefined, json: expect.objectContaining({ is_succeed: true }) });
		expect(firstOutput(run, 'Send').json).toMatchObject({ is_success: true, accepted: [recipient] });
		// One refresh for the expired token; n8n stored the new one, so Send needed none.
		expect(provider.refreshCount() - before).toBe(1);
		await waitForMessages(recipient, 1);
	});

	it('says to reconnect the credential when the refresh token was revoked', async () => {
		const { n8n, userFolder } = setup;
		const user = newMailbox('oauth-n8n');
		const refreshToken = provider.issueRefreshToken(user);
		provider.revoke(refreshToken);
		const expired = signToken(user, { expiresInSeconds: -60 });
		importCredential(
			n8n,
			userFolder,
			`oauthBad${major}000001`,
			microsoftCredential(user, provider, expired, refreshToken),
			'mailboxMicrosoftOAuth2Api',
		);
		importWorkflow(n8n, userFolder, workflow(`oauthWfBad${major}0001`, `oauthBad${major}000001`));
		const run = await executeWorkflow(n8n, userFolder, `oauthWfBad${major}0001`);
		const ping = firstOutput(run, 'Ping');
		expect(ping.json).toMatchObject({ is_succeed: false, imap: { ok: false, code: 'AUTH_FAILED' } });
		expect(JSON.stringify(ping.json)).toMatch(/reconnect the credential/);
		expect(JSON.stringify(run)).not.toContain(expired);
	});
});
